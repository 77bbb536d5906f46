/**
 * Stuck-plan recognition (src/planner/stuck-recovery.ts): the miss distance, the miss counter and the
 * recovery window.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  afterPlan,
  afterToken,
  checkStuckDetection,
  idleStuckState,
  predictionMiss,
  type StuckState,
} from '../../src/planner/stuck-recovery.js';

const settings = { distance: 0.5, tokens: 2, recoveryTokens: 3 };

describe('stuck-plan recognition', () => {
  it('measures the miss between the planned position of a row and the observed one', () => {
    // Two steps of [a a r px py vx vy]; row 1 plans position (3, 4).
    const steps = [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 3, 4, 9, 9];
    const observation = [0, 0, 9, 9]; // [px py vx vy]
    expect(predictionMiss(steps, 7, 1, [3, 4], observation, [0, 1])).toBeCloseTo(5, 6);
    expect(predictionMiss(steps, 7, 0, [3, 4], [1, 1, 0, 0], [0, 1])).toBe(0);
  });

  it('starts a recovery after `tokens` misses in a row, for `recoveryTokens` plans', () => {
    let s: StuckState = idleStuckState;
    s = afterToken(s, 0.9, settings);
    expect(s).toEqual({ misses: 1, recoveryLeft: 0, recoveries: 0 });
    s = afterToken(s, 0.1, settings); // a token on plan breaks the run
    expect(s.misses).toBe(0);
    s = afterToken(afterToken(s, 0.6, settings), 0.7, settings);
    expect(s).toEqual({ misses: 0, recoveryLeft: 3, recoveries: 1 });
    // Misses of tokens planned during the recovery do not start another one; the token of the last recovery
    // plan counts toward the next.
    for (let k = 0; k < 3; k++) {
      s = afterPlan(s);
      s = afterToken(s, 2, settings);
      expect(s.recoveries).toBe(1);
    }
    expect(s).toEqual({ misses: 1, recoveryLeft: 0, recoveries: 1 });
    s = afterToken(s, 2, settings);
    expect(s).toEqual({ misses: 0, recoveryLeft: 3, recoveries: 2 });
  });

  it('never counts a miss of exactly the distance, NaN or anything while off', () => {
    expect(afterToken(idleStuckState, 0.5, settings).misses).toBe(0);
    expect(afterToken(idleStuckState, Number.NaN, settings).misses).toBe(0);
    expect(afterToken(idleStuckState, 100, { ...settings, distance: 0 })).toBe(idleStuckState);
    expect(afterPlan(idleStuckState)).toBe(idleStuckState);
  });

  it('refuses detection on a layout without positions', () => {
    expect(() => checkStuckDetection(0.5, false)).toThrow(ConfigError);
    expect(() => checkStuckDetection(0, false)).not.toThrow();
    expect(() => checkStuckDetection(0.5, true)).not.toThrow();
  });
});
