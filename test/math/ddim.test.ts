import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  ddimLevels,
  ddimStep,
  ddimStepCoefficients,
  paperGuidanceGain,
  stabilizationLevel,
} from '../../src/math/ddim.js';
import { epsFromX0, qSample } from '../../src/math/diffusion-process.js';
import { alphaBarAt, type NoiseSchedule, noiseSchedule } from '../../src/math/noise-schedule.js';
import { createRng } from '../../src/math/rng.js';

/** A two-level schedule with round ᾱ values (ᾱ₀ = 0.8, ᾱ₁ = 0.5) so coefficients can be done by hand. */
function handSchedule(): NoiseSchedule {
  const alphaBar = Float64Array.from([0.8, 0.5]);
  return {
    kind: 'linear',
    levels: 2,
    betas: Float64Array.from([0.2, 0.375]),
    alphas: Float64Array.from([0.8, 0.625]),
    alphaBar,
    sqrtAlphaBar: alphaBar.map(Math.sqrt),
    sqrtOneMinusAlphaBar: alphaBar.map((a) => Math.sqrt(1 - a)),
    snr: alphaBar.map((a) => a / (1 - a)),
  };
}

describe('ddimLevels', () => {
  it('S = 50: 999, 979, …, 19, −1 (step 20), as in docs/diffusion-forcing.md §4.1', () => {
    const levels = ddimLevels(50);
    expect(levels).toBeInstanceOf(Int32Array);
    expect(levels.length).toBe(51);
    expect(levels[0]).toBe(999);
    expect(levels[1]).toBe(979);
    expect(levels[49]).toBe(19);
    expect(levels[50]).toBe(-1);
    for (let j = 0; j < 50; j++) expect(levels[j]! - levels[j + 1]!).toBe(20);
  });

  it('S = 25 steps by 40 and S = 100 by 10', () => {
    const l25 = ddimLevels(25);
    const l100 = ddimLevels(100);
    for (let j = 0; j < 25; j++) expect(l25[j]! - l25[j + 1]!).toBe(40);
    for (let j = 0; j < 100; j++) expect(l100[j]! - l100[j + 1]!).toBe(10);
    expect([l25[0], l25[24], l100[99]]).toEqual([999, 39, 9]);
  });

  it('truncates non-integer linspace values: S = 3 → 999, 665, 332, −1; S = 1 → 999, −1; S = K → every level', () => {
    expect(Array.from(ddimLevels(3))).toEqual([999, 665, 332, -1]);
    expect(Array.from(ddimLevels(1))).toEqual([999, -1]);
    const all = ddimLevels(1000);
    expect(all.length).toBe(1001);
    for (let j = 0; j <= 1000; j++) expect(all[j]).toBe(999 - j);
    expect(Array.from(ddimLevels(4, 10))).toEqual([9, 6, 4, 1, -1]);
  });

  it('refuses steps outside [1, K] with a ConfigError naming both numbers', () => {
    expect(() => ddimLevels(0)).toThrow(ConfigError);
    expect(() => ddimLevels(1001)).toThrow(/1 to the 1000 trained/);
    expect(() => ddimLevels(2.5)).toThrow(ConfigError);
    expect(() => ddimLevels(10, 0)).toThrow(ConfigError);
  });

  it('stabilizationLevel is the last noisy DDIM level (19, 39, 9 per docs/diffusion-forcing.md §4.5)', () => {
    expect(stabilizationLevel(50)).toBe(19);
    expect(stabilizationLevel(25)).toBe(39);
    expect(stabilizationLevel(100)).toBe(9);
  });
});

describe('ddimStepCoefficients', () => {
  it('matches a hand computation (ᾱ_τ = 0.5 → ᾱ_τ′ = 0.8)', () => {
    const s = handSchedule();
    // η = 1: σ = √((1 − 0.5/0.8)(1 − 0.8)/(1 − 0.5)) = √0.15; c = √(1 − 0.8 − 0.15) = √0.05.
    const one = ddimStepCoefficients(s, 1, 0, 1);
    expect(one.sigma).toBeCloseTo(Math.sqrt(0.15), 14);
    expect(one.c).toBeCloseTo(Math.sqrt(0.05), 14);
    expect(one.sqrtAlphaBarNext).toBeCloseTo(Math.sqrt(0.8), 14);
    // η = 0.5 scales σ by one half; η = 0: σ = 0, c = √(1 − ᾱ_τ′) = √0.2.
    const half = ddimStepCoefficients(s, 1, 0, 0.5);
    expect(half.sigma).toBeCloseTo(0.5 * Math.sqrt(0.15), 14);
    expect(half.c).toBeCloseTo(Math.sqrt(0.2 - 0.0375), 14);
    const zero = ddimStepCoefficients(s, 1, 0, 0);
    expect(zero.sigma).toBe(0);
    expect(zero.c).toBeCloseTo(Math.sqrt(0.2), 14);
  });

  it('η = 1 on adjacent levels gives the DDPM posterior variance β̃ = β_τ(1 − ᾱ_{τ−1})/(1 − ᾱ_τ)', () => {
    const s = noiseSchedule('linear');
    for (const tau of [1, 10, 500, 999]) {
      const { sigma } = ddimStepCoefficients(s, tau, tau - 1, 1);
      const posterior = (s.betas[tau]! * (1 - s.alphaBar[tau - 1]!)) / (1 - s.alphaBar[tau]!);
      expect(sigma * sigma).toBeCloseTo(posterior, 12);
    }
  });

  it('keeps the marginal variance: c² + σ² = 1 − ᾱ_τ′ for every η', () => {
    const s = noiseSchedule('cosine');
    for (const eta of [0, 0.3, 1]) {
      const { c, sigma } = ddimStepCoefficients(s, 979, 959, eta);
      expect(c * c + sigma * sigma).toBeCloseTo(1 - s.alphaBar[959]!, 12);
    }
  });

  it('going to −1 (clean) gives x′ = x̂₀; staying at a level gives σ = 0, c = √(1−ᾱ)', () => {
    const s = noiseSchedule('linear');
    expect(ddimStepCoefficients(s, 19, -1, 1)).toEqual({ sqrtAlphaBarNext: 1, c: 0, sigma: 0 });
    const stay = ddimStepCoefficients(s, 500, 500, 1);
    expect(stay.sigma).toBe(0);
    expect(stay.c).toBeCloseTo(s.sqrtOneMinusAlphaBar[500]!, 14);
    expect(ddimStepCoefficients(s, -1, -1, 0)).toEqual({ sqrtAlphaBarNext: 1, c: 0, sigma: 0 });
  });

  it('refuses steps toward more noise, bad levels and η outside [0, 1]', () => {
    const s = noiseSchedule('linear');
    expect(() => ddimStepCoefficients(s, 10, 20, 0)).toThrow(/from level 10 up to 20/);
    expect(() => ddimStepCoefficients(s, 1000, 0, 0)).toThrow(ConfigError);
    expect(() => ddimStepCoefficients(s, 10, 0, 1.5)).toThrow(/eta/);
    expect(() => ddimStepCoefficients(s, 10, 0, Number.NaN)).toThrow(/eta/);
  });
});

describe('ddimStep', () => {
  it('with η = 0 and a perfect x̂₀ the chain stays on x_τ = √ᾱ_τ·x₀ + √(1−ᾱ_τ)·ε and ends exactly at x₀', () => {
    const s = noiseSchedule('linear');
    const rng = createRng(7);
    const x0 = rng.fillNormal(new Float32Array(32));
    const eps = rng.fillNormal(new Float32Array(32));
    const levels = ddimLevels(50);
    let x = qSample(x0, eps, alphaBarAt(s, levels[0]!));
    for (let j = 0; j < 50; j++) {
      const tau = levels[j]!;
      const next = levels[j + 1]!;
      const epsHat = epsFromX0(x, x0, alphaBarAt(s, tau));
      x = ddimStep(x0, epsHat, ddimStepCoefficients(s, tau, next, 0));
      if (next >= 0) {
        const expected = qSample(x0, eps, alphaBarAt(s, next));
        for (let i = 0; i < 32; i++) expect(Math.abs(x[i]! - expected[i]!)).toBeLessThan(2e-4);
      }
    }
    expect(Array.from(x)).toEqual(Array.from(x0));
  });

  it('η = 0 is deterministic and ignores noise; η > 0 adds σ·w', () => {
    const s = noiseSchedule('cosine');
    const rng = createRng(3);
    const x0Hat = rng.fillNormal(new Float32Array(16));
    const epsHat = rng.fillNormal(new Float32Array(16));
    const w = rng.fillNormal(new Float32Array(16));
    const det = ddimStepCoefficients(s, 499, 479, 0);
    const a = ddimStep(x0Hat, epsHat, det);
    expect(Array.from(ddimStep(x0Hat, epsHat, det, w))).toEqual(Array.from(a));
    const sto = ddimStepCoefficients(s, 499, 479, 1);
    const b = ddimStep(x0Hat, epsHat, sto, w);
    for (let i = 0; i < 16; i++) {
      const expected = sto.sqrtAlphaBarNext * x0Hat[i]! + sto.c * epsHat[i]! + sto.sigma * w[i]!;
      expect(b[i]).toBeCloseTo(expected, 5);
    }
    expect(() => ddimStep(x0Hat, epsHat, sto)).toThrow(/needs a noise buffer/);
  });

  it('η = 1 with a perfect x̂₀ keeps x_τ′ distributed as N(√ᾱ_τ′·x₀, 1 − ᾱ_τ′)', () => {
    const s = noiseSchedule('linear');
    const rng = createRng(11);
    const n = 20000;
    const x0 = rng.fillNormal(new Float32Array(n));
    const eps = rng.fillNormal(new Float32Array(n));
    const w = rng.fillNormal(new Float32Array(n));
    const x = qSample(x0, eps, alphaBarAt(s, 499));
    const epsHat = epsFromX0(x, x0, alphaBarAt(s, 499));
    const next = ddimStep(x0, epsHat, ddimStepCoefficients(s, 499, 299, 1), w);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = (next[i]! - s.sqrtAlphaBar[299]! * x0[i]!) / s.sqrtOneMinusAlphaBar[299]!;
      sum += z;
      sumSq += z * z;
    }
    // Standard error of the mean is 1/√n ≈ 0.007 and of the variance ≈ √(2/n) ≈ 0.01: 4σ bounds.
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.04);
  });
});

describe('paperGuidanceGain', () => {
  it('matches a hand computation: η = 0, ᾱ 0.5 → 0.8 gives √0.5(√0.5 − √0.2) = 0.5 − √0.1', () => {
    expect(paperGuidanceGain(handSchedule(), 1, 0, 0)).toBeCloseTo(0.5 - Math.sqrt(0.1), 14);
    // η = 1: (1 − ᾱ_τ) − c·√(1 − ᾱ_τ) with c = √0.05.
    expect(paperGuidanceGain(handSchedule(), 1, 0, 1)).toBeCloseTo(0.5 - Math.sqrt(0.05 * 0.5), 14);
  });

  it('is 0 on the final step and for finished tokens, ≈ 0 for tokens that have not started', () => {
    const s = noiseSchedule('linear');
    expect(paperGuidanceGain(s, 19, -1, 0)).toBe(0);
    expect(paperGuidanceGain(s, -1, -1, 0)).toBe(0);
    expect(paperGuidanceGain(s, 19, 19, 0)).toBe(0);
    expect(paperGuidanceGain(s, 999, 979, 0)).toBeLessThan(1e-4);
    expect(paperGuidanceGain(s, 519, 499, 0)).toBeGreaterThan(1e-3);
  });
});
