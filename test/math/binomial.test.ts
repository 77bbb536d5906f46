import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { wilsonInterval } from '../../src/math/index.js';

describe('wilsonInterval', () => {
  it('matches hand-computed Wilson 95 % intervals', () => {
    // 8/10: centre (0.8 + 1.96²/20)/(1 + 1.96²/10) = 0.7167, half width 0.2266.
    const [lo, hi] = wilsonInterval(8, 10);
    expect(lo).toBeCloseTo(0.4902, 3);
    expect(hi).toBeCloseTo(0.9433, 3);
    const [a, b] = wilsonInterval(50, 100);
    expect(a).toBeCloseTo(0.4038, 3);
    expect(b).toBeCloseTo(0.5962, 3);
    const [c, d] = wilsonInterval(90, 100);
    expect(c).toBeCloseTo(0.8256, 3);
    expect(d).toBeCloseTo(0.9448, 3);
  });

  it('is not degenerate at 0 and n successes, and stays inside [0, 1]', () => {
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 3);
    const [lo1, hi1] = wilsonInterval(10, 10);
    expect(lo1).toBeCloseTo(0.7225, 3);
    expect(hi1).toBe(1);
    expect(wilsonInterval(0, 0).every(Number.isNaN)).toBe(true);
  });

  it('refuses counts that are not whole or exceed the trials', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(InputError);
    expect(() => wilsonInterval(1.5, 10)).toThrow(/whole counts/);
    expect(() => wilsonInterval(-1, 10)).toThrow(InputError);
  });
});
