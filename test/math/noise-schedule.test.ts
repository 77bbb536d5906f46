import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  alphaBarAt,
  type BetaScheduleKind,
  betaScheduleKinds,
  noiseSchedule,
} from '../../src/math/noise-schedule.js';
import type { BetaScheduleKind as ModelBetaScheduleKind } from '../../src/model/types.js';

describe('noiseSchedule', () => {
  it('matches the linear-schedule reference values of docs/diffusion-forcing.md §2.2 (3 decimals, tolerance 5e-4)', () => {
    const s = noiseSchedule('linear', 1000);
    const expected: [number, number][] = [
      [0, 0.01],
      [9, 0.044],
      [19, 0.076],
      [39, 0.139],
      [499, 0.96],
    ];
    for (const [k, value] of expected)
      expect(Math.abs(s.sqrtOneMinusAlphaBar[k]! - value)).toBeLessThan(5e-4);
    expect(s.sqrtOneMinusAlphaBar[979]!).toBeGreaterThan(0.9999);
    expect(s.sqrtOneMinusAlphaBar[999]!).toBeGreaterThan(0.9999);
  });

  it('linear β runs from 1e-4·1000/K to 0.02·1000/K', () => {
    const s = noiseSchedule('linear', 100);
    expect(s.betas[0]).toBeCloseTo(1e-3, 15);
    expect(s.betas[99]).toBeCloseTo(0.2, 15);
    expect(s.betas[50]! - s.betas[49]!).toBeCloseTo((0.2 - 1e-3) / 99, 15);
  });

  it('cosine ᾱ equals the closed form cos²(((k+1)/K + s)/(1+s)·π/2)/cos²(s/(1+s)·π/2) before clipping', () => {
    const s = noiseSchedule('cosine', 1000);
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const k of [0, 1, 10, 100, 500, 900]) {
      expect(s.alphaBar[k]! / (f((k + 1) / 1000) / f(0))).toBeCloseTo(1, 10);
    }
    // The last β is clipped to 0.999 (unclipped it would be 1 and ᾱ would vanish).
    expect(s.betas[999]).toBe(0.999);
    expect(s.alphaBar[999]!).toBeGreaterThan(0);
  });

  it('sigmoid ᾱ equals the normalised sigmoid ramp before clipping', () => {
    const s = noiseSchedule('sigmoid', 1000);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const g = (t: number) => (sig(3) - sig(6 * t - 3)) / (sig(3) - sig(-3));
    for (const k of [0, 10, 200, 500, 800]) expect(s.alphaBar[k]! / g((k + 1) / 1000)).toBeCloseTo(1, 10);
    expect(s.betas[999]).toBe(0.999);
  });

  it.each(betaScheduleKinds)('%s: tables are consistent and ᾱ falls monotonically', (kind) => {
    const s = noiseSchedule(kind, 1000);
    expect(s.kind).toBe(kind);
    expect(s.levels).toBe(1000);
    for (const table of [s.betas, s.alphas, s.alphaBar, s.sqrtAlphaBar, s.sqrtOneMinusAlphaBar, s.snr]) {
      expect(table).toBeInstanceOf(Float64Array);
      expect(table.length).toBe(1000);
    }
    let product = 1;
    for (let k = 0; k < 1000; k++) {
      const b = s.betas[k]!;
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(0.999);
      product *= 1 - b;
      expect(s.alphas[k]).toBe(1 - b);
      expect(s.alphaBar[k]).toBeCloseTo(product, 14);
      expect(s.sqrtAlphaBar[k]! ** 2 + s.sqrtOneMinusAlphaBar[k]! ** 2).toBeCloseTo(1, 12);
      expect(s.snr[k]).toBeCloseTo(s.alphaBar[k]! / (1 - s.alphaBar[k]!), 8);
      if (k > 0) expect(s.alphaBar[k]!).toBeLessThan(s.alphaBar[k - 1]!);
    }
  });

  it('alphaBarAt gives 1 at level −1 (clean) and the table value elsewhere', () => {
    const s = noiseSchedule('linear');
    expect(alphaBarAt(s, -1)).toBe(1);
    expect(alphaBarAt(s, 0)).toBe(s.alphaBar[0]);
    expect(alphaBarAt(s, 999)).toBe(s.alphaBar[999]);
    expect(() => alphaBarAt(s, 1000)).toThrow(ConfigError);
    expect(() => alphaBarAt(s, -2)).toThrow(/-1 \(clean\) to 999/);
    expect(() => alphaBarAt(s, 1.5)).toThrow(ConfigError);
  });

  it('refuses bad level counts and a linear schedule too short to stay below β = 1', () => {
    expect(() => noiseSchedule('cosine', 0)).toThrow(ConfigError);
    expect(() => noiseSchedule('cosine', 2.5)).toThrow(ConfigError);
    expect(() => noiseSchedule('linear', 20)).toThrow(/more than 20 levels/);
    expect(noiseSchedule('linear', 21).alphaBar[20]!).toBeGreaterThan(0);
    expect(() => noiseSchedule('quadratic' as never)).toThrow(/linear, cosine, sigmoid/);
  });
});

describe('BetaScheduleKind', () => {
  it('is the same union as in src/model/types.ts (checked by tsc) and betaScheduleKinds lists it', () => {
    expectTypeOf<BetaScheduleKind>().toEqualTypeOf<ModelBetaScheduleKind>();
    expect([...betaScheduleKinds].sort()).toEqual(['cosine', 'linear', 'sigmoid']);
  });
});
