import { describe, expect, it } from 'vitest';
import { oscillatorLayout } from '../../src/tasks/oscillator.js';
import { sequenceStats, tokensToSteps } from '../../src/train/sequence-stats.js';

describe('sequence statistics', () => {
  it('unpacks time-major frame-stacked tokens into per-sequence env steps and denormalises', () => {
    const layout = oscillatorLayout(2);
    // T = 2 tokens, B = 2, token = 2 frames × 4: value encodes (t, b, frame, dim).
    const tokens = new Float32Array(2 * 2 * 8);
    for (let t = 0; t < 2; t++)
      for (let b = 0; b < 2; b++)
        for (let k = 0; k < 8; k++) tokens[(t * 2 + b) * 8 + k] = 1000 * b + 100 * t + k;
    const steps = tokensToSteps(tokens, layout, 2);
    // Sequence b=1, env step 3 = token 1, frame 1, dims 0..3.
    expect(Array.from(steps.subarray((1 * 4 + 3) * 4, (1 * 4 + 3) * 4 + 4))).toEqual([
      1104, 1105, 1106, 1107,
    ]);
    const den = tokensToSteps(tokens, layout, 2, { mean: [1, 2, 3, 4], std: [2, 2, 2, 2] });
    expect(den[0]).toBe(0 * 2 + 1);
    expect(den[5]).toBe(5 * 2 + 2);
  });

  it('computes mean, std, lag-1 autocorrelation and max |x| per dimension', () => {
    // One sequence, dim 0 alternates ±1 (lag-1 = −(n−1)/n), dim 1 is a ramp 0..n−1.
    const n = 10;
    const steps = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      steps[i * 2] = i % 2 === 0 ? 1 : -1;
      steps[i * 2 + 1] = i;
    }
    const s = sequenceStats(steps, 1, 2);
    expect(s.mean[0]).toBeCloseTo(0, 12);
    expect(s.std[0]).toBeCloseTo(1, 12);
    expect(s.lag1[0]).toBeCloseTo(-(n - 1) / n, 12);
    expect(s.maxAbs[0]).toBe(1);
    expect(s.mean[1]).toBeCloseTo(4.5, 12);
    expect(s.std[1]).toBeCloseTo(Math.sqrt((n * n - 1) / 12), 12);
    expect(s.maxAbs[1]).toBe(9);
    expect(s.lag1[1]).toBeGreaterThan(0.6);
  });
});
