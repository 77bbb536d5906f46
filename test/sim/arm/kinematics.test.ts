import { describe, expect, it } from 'vitest';
import { ARM_JOINT_RANGES, CARRY_Z, GRASP_Z, HOME, SLOTS } from '../../../sim/arm/geometry.js';
import { armFk, armIk } from '../../../sim/arm/kinematics.js';

describe('arm kinematics (closed form, hand down)', () => {
  it('FK(IK(p)) = p over the working volume (slots, carry height, HOME)', () => {
    const targets: number[][] = [[...HOME]];
    for (const [x, y] of Object.values(SLOTS)) {
      for (const z of [GRASP_Z, 0.049, CARRY_Z]) {
        for (const d of [-0.03, 0, 0.03]) targets.push([x + d, y - d, z]);
      }
    }
    for (const p of targets) {
      const q = armIk(p);
      const back = armFk(q);
      for (let k = 0; k < 3; k++) expect(Math.abs(back[k]! - p[k]!)).toBeLessThan(1e-9);
      // Elbow up, and the hand points straight down: the pitch angles sum to −π/2.
      expect(q[2]!).toBeLessThan(0);
      expect(q[1]! + q[2]! + q[3]!).toBeCloseTo(-Math.PI / 2, 12);
    }
  });

  it('keeps every joint inside its range and finite for out-of-reach targets', () => {
    for (const p of [
      [2, 0, 0],
      [0, 0, 0],
      [0.05, 0, -1],
      [-0.5, 0.4, 0.3],
      [0.3, 0, 5],
    ]) {
      const q = armIk(p);
      q.forEach((v, k) => {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(ARM_JOINT_RANGES[k]![0]);
        expect(v).toBeLessThanOrEqual(ARM_JOINT_RANGES[k]![1]);
      });
    }
  });

  it('points the yaw at the target and pulls a far target onto the reach shell along its direction', () => {
    const q = armIk([0.3, 0.3, 0.1]);
    expect(q[0]).toBeCloseTo(Math.PI / 4, 12);
    const far = armFk(armIk([1, 0, 0.045]));
    expect(far[1]).toBeCloseTo(0, 12);
    expect(far[0]).toBeGreaterThan(0.4);
    expect(far[0]).toBeLessThan(0.5);
  });
});
