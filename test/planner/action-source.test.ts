import { describe, expect, it } from 'vitest';
import {
  actionLaw,
  checkActionSource,
  executedAction,
  lawAction,
  trackingIndices,
} from '../../src/planner/action-source.js';
import type { TokenLayout } from '../../src/tasks/token-layout.js';

// Maze-like step: [action 2 | reward 1 | position 2 | velocity 2]; observation = [px, py, vx, vy].
const layout: TokenLayout = {
  frameStack: 2,
  fields: [
    { name: 'action', kind: 'action', size: 2 },
    { name: 'reward', kind: 'reward', size: 1 },
    { name: 'position', kind: 'observation', size: 2 },
    { name: 'velocity', kind: 'observation', size: 2 },
  ],
};
const indices = trackingIndices(layout, 2);
// Two planned steps: after step 0 the plan expects p = (1, 2), v = (0.5, −0.5); after step 1 p = (1.1, 1.9).
const steps = new Float32Array([0.2, -0.1, 0, 1, 2, 0.5, -0.5, 0.3, 0.4, 0, 1.1, 1.9, 0.6, -0.4]);
const actions = new Float32Array([0.2, -0.1, 0.3, 0.4]);
const low = new Float32Array([-1, -1]);
const high = new Float32Array([1, 1]);
const base = { kp: 10, kd: 1, steps, stepSize: 7, actions, low, high };

describe('trackingIndices', () => {
  it('finds position and velocity in the step and in the observation vector', () => {
    expect(indices).toEqual({
      stepPosition: [3, 4],
      stepVelocity: [5, 6],
      obsPosition: [0, 1],
      obsVelocity: [2, 3],
    });
  });
  it('is null without a velocity field, and tracking sources are then refused', () => {
    const noVel: TokenLayout = { frameStack: 1, fields: [layout.fields[0]!, layout.fields[2]!] };
    expect(trackingIndices(noVel, 2)).toBeNull();
    expect(() => checkActionSource('feedback', null, 2)).toThrow(/position.*velocity/);
    expect(() => checkActionSource('diffused', null, 2)).not.toThrow();
  });
});

describe('executedAction', () => {
  const observation = [0.9, 2.1, 0.4, -0.5];
  it("'diffused' hands out the planned action of the step", () => {
    const a = executedAction({ ...base, source: 'diffused', step: 1, observation }, indices);
    expect(Array.from(a)).toEqual([actions[2], actions[3]]);
  });
  it("'feedback' is the planned action at the chunk's first step (the plan starts at the observed state)", () => {
    const a = executedAction({ ...base, source: 'feedback', step: 0, observation }, indices);
    expect(Array.from(a)).toEqual([actions[0], actions[1]]);
  });
  it("'feedback' adds Kp·(p̂_j − p) + Kd·(v̂_j − v) toward the state planned before step j, clamped", () => {
    const a = executedAction({ ...base, source: 'feedback', step: 1, observation, kp: 1 }, indices);
    expect(a[0]).toBeCloseTo(0.3 + 1 * (1 - 0.9) + 1 * (0.5 - 0.4), 6);
    expect(a[1]).toBeCloseTo(0.4 + 1 * (2 - 2.1) + 1 * (-0.5 + 0.5), 6);
    const clamped = executedAction({ ...base, source: 'feedback', step: 1, observation, kp: 100 }, indices);
    expect(Array.from(clamped)).toEqual([1, -1]);
  });
  it("'track' is PD on the planned next state, ignoring the planned action", () => {
    const a = executedAction({ ...base, source: 'track', step: 0, observation, kp: 2 }, indices);
    expect(a[0]).toBeCloseTo(2 * (1 - 0.9) + (0.5 - 0.4), 6);
    expect(a[1]).toBeCloseTo(2 * (2 - 2.1) + (-0.5 + 0.5), 6);
  });
});

describe('actionLaw / lawAction (the node applies the law outside the agent)', () => {
  it('gives the same command as the agent-side law for a plan row and state', () => {
    const law = actionLaw({ actionSource: 'feedback', trackKp: 1, trackKd: 1 }, layout, low, high);
    const observation = [0.9, 2.1, 0.4, -0.5];
    const fromLaw = lawAction(law, actions, steps, 1, observation);
    const direct = executedAction({ ...base, kp: 1, source: 'feedback', step: 1, observation }, indices);
    expect(Array.from(fromLaw)).toEqual(Array.from(direct));
    expect(Array.from(lawAction(law, actions, steps, 0, observation))).toEqual([actions[0], actions[1]]);
  });
  it('refuses a tracking law for a layout without position and velocity', () => {
    const noVel: TokenLayout = { frameStack: 1, fields: [layout.fields[0]!, layout.fields[2]!] };
    expect(() => actionLaw({ actionSource: 'track', trackKp: 1, trackKd: 1 }, noVel, low, high)).toThrow(
      /position.*velocity/,
    );
  });
});
