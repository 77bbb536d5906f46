import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  fusedSnrWeights,
  lossWeight,
  lossWeightTable,
  type Objective,
  objectives,
} from '../../src/math/loss-weight.js';
import { type NoiseSchedule, noiseSchedule } from '../../src/math/noise-schedule.js';
import type { Objective as ModelObjective } from '../../src/model/types.js';

/** Three levels with SNR 10, 1 and 0.25 (ᾱ = 10/11, 1/2, 1/5) for hand computations. */
function handSchedule(): NoiseSchedule {
  const alphaBar = Float64Array.from([10 / 11, 0.5, 0.2]);
  return {
    kind: 'linear',
    levels: 3,
    betas: Float64Array.from([1 / 11, 0.45, 0.6]),
    alphas: Float64Array.from([10 / 11, 0.55, 0.4]),
    alphaBar,
    sqrtAlphaBar: alphaBar.map(Math.sqrt),
    sqrtOneMinusAlphaBar: alphaBar.map((a) => Math.sqrt(1 - a)),
    snr: Float64Array.from([10, 1, 0.25]),
  };
}

describe('lossWeight', () => {
  it('Objective is the same union as in src/model/types.ts (checked by tsc)', () => {
    expectTypeOf<Objective>().toEqualTypeOf<ModelObjective>();
    expect([...objectives].sort()).toEqual(['eps', 'v', 'x0']);
  });

  it('constant is 0.5·C = 2.5 for every objective and level (paper branch)', () => {
    const s = noiseSchedule('linear');
    for (const objective of objectives) {
      for (const level of [0, 19, 500, 999]) expect(lossWeight('constant', objective, s, level)).toBe(2.5);
    }
    expect(lossWeight('constant', 'x0', s, 0, 8)).toBe(4);
  });

  it('min_snr matches hand values at SNR 10, 1 and 0.25 with C = 5', () => {
    const s = handSchedule();
    expect([0, 1, 2].map((k) => lossWeight('min_snr', 'x0', s, k))).toEqual([5, 1, 0.25]);
    expect([0, 1, 2].map((k) => lossWeight('min_snr', 'eps', s, k))).toEqual([0.5, 1, 1]);
    const v = [0, 1, 2].map((k) => lossWeight('min_snr', 'v', s, k));
    expect(v[0]).toBeCloseTo(5 / 11, 15);
    expect(v[1]).toBeCloseTo(0.5, 15);
    expect(v[2]).toBeCloseTo(0.2, 15);
  });

  it('min_snr weights the same x₀ error equally across objectives: w_x0 = w_eps·SNR = w_v·(SNR + 1)', () => {
    const s = noiseSchedule('cosine');
    for (const level of [0, 3, 100, 400, 700, 999]) {
      const snr = s.snr[level]!;
      const x0 = lossWeight('min_snr', 'x0', s, level);
      expect(lossWeight('min_snr', 'eps', s, level) * snr).toBeCloseTo(x0, 9);
      expect(lossWeight('min_snr', 'v', s, level) * (snr + 1)).toBeCloseTo(x0, 9);
    }
  });

  it('lossWeightTable equals lossWeight at every level', () => {
    const s = noiseSchedule('linear');
    for (const objective of objectives) {
      const table = lossWeightTable('min_snr', objective, s, 5);
      expect(table.length).toBe(1000);
      for (const level of [0, 1, 250, 998, 999])
        expect(table[level]).toBe(lossWeight('min_snr', objective, s, level));
    }
    expect(Array.from(new Set(lossWeightTable('constant', 'v', s)))).toEqual([2.5]);
  });

  it('refuses unknown kinds, objectives, bad clips and levels outside 0 … K−1', () => {
    const s = noiseSchedule('linear');
    expect(() => lossWeight('fused' as never, 'x0', s, 0)).toThrow(/constant, min_snr/);
    expect(() => lossWeight('min_snr', 'noise' as never, s, 0)).toThrow(/x0, eps, v/);
    expect(() => lossWeight('min_snr', 'x0', s, 0, 0)).toThrow(ConfigError);
    expect(() => lossWeight('min_snr', 'x0', s, -1)).toThrow(/0 … 999/);
    expect(() => lossWeight('min_snr', 'x0', s, 1000)).toThrow(ConfigError);
  });
});

describe('fusedSnrWeights', () => {
  it('with γ = 0 reduces to min_snr', () => {
    const s = noiseSchedule('sigmoid');
    const levels = [999, 0, 500, 20, 700];
    for (const objective of objectives) {
      const fused = fusedSnrWeights(objective, s, levels, { decay: 0 });
      levels.forEach((k, t) => {
        expect(fused[t]).toBeCloseTo(lossWeight('min_snr', objective, s, k), 12);
      });
    }
  });

  it('matches a hand computation over SNR 10 → 1 → 0.25 with γ = 0.5, C = 5', () => {
    // S = 1, 0.2, 0.05; U = 2, 0.2, 0.05. Carried γ·S̄: 0, 0.5, 0.5·(0.5·1 + 0.5·0.2) = 0.3.
    // S′ = 1, 1 − 0.5·0.8 = 0.6, 1 − 0.7·0.95 = 0.335;  U′ = 2, 0.6, 0.335.
    const s = handSchedule();
    const x0 = fusedSnrWeights('x0', s, [0, 1, 2], { decay: 0.5 });
    const eps = fusedSnrWeights('eps', s, [0, 1, 2], { decay: 0.5 });
    const v = fusedSnrWeights('v', s, [0, 1, 2], { decay: 0.5, snrClip: 5 });
    const close = (a: Float64Array, b: number[]) => {
      for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
    };
    close(x0, [5, 3, 1.675]);
    close(eps, [0.5, 1, 1]);
    close(v, [5 / 11, 3 / 4, 1.675 / 2.675]);
  });

  it('a clean earlier token raises the weight of a noisy later one', () => {
    const s = noiseSchedule('cosine');
    const alone = fusedSnrWeights('x0', s, [999, 900], { decay: 0.8 })[1]!;
    const afterClean = fusedSnrWeights('x0', s, [0, 900], { decay: 0.8 })[1]!;
    expect(afterClean).toBeGreaterThan(alone);
    expect(() => fusedSnrWeights('x0', s, [0], { decay: 1.5 })).toThrow(/decay/);
  });
});
