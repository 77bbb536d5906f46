import { describe, expect, it } from 'vitest';
import { PlanningError } from '../../src/errors.js';
import { planHorizon } from '../../src/planner/plan-horizon.js';

describe('planHorizon', () => {
  it('flexible: H = min(cap, ⌈steps left / F⌉), the last token masked past the episode end', () => {
    const { horizon, stepMask } = planHorizon(60, true, 25, 10);
    expect(horizon).toBe(3);
    expect(stepMask).toHaveLength(30);
    expect(Array.from(stepMask.subarray(0, 25))).toEqual(new Array(25).fill(1));
    expect(Array.from(stepMask.subarray(25))).toEqual(new Array(5).fill(0));
  });

  it('flexible: the cap binds in a long episode, nothing masked', () => {
    const { horizon, stepMask } = planHorizon(60, true, 600, 10);
    expect(horizon).toBe(60);
    expect(stepMask.every((m) => m === 1)).toBe(true);
  });

  it('fixed: always the cap, steps past the end masked', () => {
    const { horizon, stepMask } = planHorizon(8, false, 13, 2);
    expect(horizon).toBe(8);
    expect(stepMask.reduce((a, b) => a + b, 0)).toBe(13);
  });

  it('refuses an episode with no steps left (PlanningError)', () => {
    expect(() => planHorizon(8, true, 0, 2)).toThrow(PlanningError);
  });
});
