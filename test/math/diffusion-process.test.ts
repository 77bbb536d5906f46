import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  epsFromV,
  epsFromX0,
  qSample,
  vFromX0Eps,
  x0FromEps,
  x0FromV,
} from '../../src/math/diffusion-process.js';
import { createRng } from '../../src/math/rng.js';

const alphaBars = [0.9999, 0.9, 0.5, 0.1, 4e-5];

function randomArray(n: number, seed: number): Float32Array {
  return createRng(seed).fillNormal(new Float32Array(n));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('forward process on numbers', () => {
  it('qSample is √ᾱ·x₀ + √(1−ᾱ)·ε (hand computation)', () => {
    // ᾱ = 0.64: √ᾱ = 0.8, √(1−ᾱ) = 0.6.
    expect(qSample(2, -1, 0.64)).toBeCloseTo(0.8 * 2 - 0.6, 14);
    expect(vFromX0Eps(2, -1, 0.64)).toBeCloseTo(0.8 * -1 - 0.6 * 2, 14);
    expect(qSample(3, 5, 1)).toBe(3);
  });

  it.each(alphaBars)('round-trips x₀, ε and v at ᾱ = %f', (ab) => {
    const x0 = 0.7;
    const eps = -1.3;
    const xt = qSample(x0, eps, ab);
    const v = vFromX0Eps(x0, eps, ab);
    // x0FromEps divides by √ᾱ, so its error grows like 1/√ᾱ: 1e-9 relative to that is ample in float64.
    expect(x0FromEps(xt, eps, ab)).toBeCloseTo(x0, 9);
    expect(epsFromX0(xt, x0, ab)).toBeCloseTo(eps, 9);
    expect(x0FromV(xt, v, ab)).toBeCloseTo(x0, 12);
    expect(epsFromV(xt, v, ab)).toBeCloseTo(eps, 12);
  });
});

describe('forward process on Float32Array', () => {
  it.each(alphaBars)('round-trips elementwise at ᾱ = %f (float32 tolerance)', (ab) => {
    const x0 = randomArray(64, 1);
    const eps = randomArray(64, 2);
    const xt = qSample(x0, eps, ab);
    const v = vFromX0Eps(x0, eps, ab);
    const tol = 1e-5 / Math.sqrt(ab) + 1e-5 / Math.sqrt(1 - ab);
    expect(maxAbsDiff(x0FromV(xt, v, ab), x0)).toBeLessThan(1e-5);
    expect(maxAbsDiff(epsFromV(xt, v, ab), eps)).toBeLessThan(1e-5);
    expect(maxAbsDiff(x0FromEps(xt, eps, ab), x0)).toBeLessThan(tol);
    expect(maxAbsDiff(epsFromX0(xt, x0, ab), eps)).toBeLessThan(tol);
  });

  it('takes one ᾱ per element or per equal-sized block (token)', () => {
    const x0 = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const eps = Float32Array.from([-1, 0, 1, 2, -2, 0.5]);
    const perElement = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    const a = qSample(x0, eps, perElement);
    for (let i = 0; i < 6; i++) expect(a[i]).toBeCloseTo(qSample(x0[i]!, eps[i]!, perElement[i]!), 6);
    // Three tokens of two numbers each.
    const perToken = Float64Array.from([0.9, 0.5, 0.1]);
    const b = qSample(x0, eps, perToken);
    for (let i = 0; i < 6; i++)
      expect(b[i]).toBeCloseTo(qSample(x0[i]!, eps[i]!, perToken[Math.floor(i / 2)]!), 6);
  });

  it('writes into out when given and checks lengths', () => {
    const x0 = Float32Array.from([1, 2]);
    const eps = Float32Array.from([0, 0]);
    const out = new Float32Array(2);
    expect(qSample(x0, eps, 0.25, out)).toBe(out);
    expect(Array.from(out)).toEqual([0.5, 1]);
    expect(() => qSample(x0, new Float32Array(3), 0.5)).toThrow(ConfigError);
    expect(() => qSample(x0, eps, 0.5, new Float32Array(3))).toThrow(/output buffer/);
    expect(() => qSample(Float32Array.from([1, 2, 3]), new Float32Array(3), [0.5, 0.5])).toThrow(
      /do not divide/,
    );
    expect(() => qSample(x0, eps, 0)).toThrow(/\(0, 1\]/);
    expect(() => qSample(x0, eps, [0.5, Number.NaN])).toThrow(ConfigError);
  });
});
