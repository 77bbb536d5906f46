/**
 * The fruit-swap arm env beyond the generic contract (test/sim/env-contract.test.ts): read-out noise drawn
 * from the reset seed, forced cases, resting fruits that stay on the table, success at the episode's end,
 * and the weld fallback grasp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmSwapEnv } from '../../../sim/arm/arm-env.js';
import { CARRY_Z, FINGER_OPEN, GRASP_Z, HOME, SLOTS } from '../../../sim/arm/geometry.js';
import { DEFAULT_SENSOR_NOISE, NO_SENSOR_NOISE } from '../../../sim/arm/sensor-noise.js';
import { makeArm } from '../../helpers/make-arm.js';

let env: ArmSwapEnv;
let clean: ArmSwapEnv;
beforeAll(async () => {
  env = await makeArm();
  clean = await makeArm({ sensorNoise: NO_SENSOR_NOISE });
});
afterAll(() => {
  env.close();
  clean.close();
});

const hold = [...HOME, FINGER_OPEN];

/** Moves the grasp point in a straight line to `to` over `steps` control steps. */
function moveTo(e: ArmSwapEnv, from: number[], to: number[], steps: number) {
  let last = e.step(from);
  for (let k = 1; k <= steps; k++) {
    last = e.step(from.map((v, i) => v + ((to[i]! - v) * k) / steps));
  }
  return last;
}

describe('arm-swap read-out noise', () => {
  it('is drawn from the reset seed: same seed, same noisy observations; another seed, other noise', () => {
    const run = (seed: number) => {
      const out = [Array.from(env.reset(seed).observation)];
      for (let t = 0; t < 5; t++) out.push(Array.from(env.step(hold).observation));
      return out;
    };
    expect(run(3)).toEqual(run(3));
    const a = env.reset(3).observation;
    const b = env.reset(4).observation;
    // Joint angles at HOME are the same for every seed up to the noise; the noise itself differs.
    expect(a[0]).not.toBe(b[0]);
    expect(Math.abs(a[0]! - b[0]!)).toBeLessThan(10 * DEFAULT_SENSOR_NOISE.jointPosition);
  });

  it('has the documented σ per group around the clean read-out', () => {
    const diffs: number[][] = [[], [], [], []];
    for (let seed = 0; seed < 40; seed++) {
      const o = env.reset(seed).observation;
      const c = clean.reset(seed).observation;
      for (let k = 0; k < 15; k++) {
        const group = k < 4 ? 0 : k < 8 ? 1 : k === 8 ? 2 : 3;
        diffs[group]!.push(o[k]! - c[k]!);
      }
    }
    const sigma = [
      DEFAULT_SENSOR_NOISE.jointPosition,
      DEFAULT_SENSOR_NOISE.jointVelocity,
      DEFAULT_SENSOR_NOISE.gripper,
      DEFAULT_SENSOR_NOISE.fruitPosition,
    ];
    diffs.forEach((d, g) => {
      const rms = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
      expect(rms / sigma[g]!).toBeGreaterThan(0.7);
      expect(rms / sigma[g]!).toBeLessThan(1.3);
    });
  });

  it('reads the true state exactly without noise (no time, phase or orientation features)', () => {
    const o = clean.reset(8).observation;
    const truth = clean.truth();
    expect(o.length).toBe(15);
    expect(Array.from(o.subarray(9, 12))).toEqual([...truth.fruits.apple.position]);
    expect(Array.from(o.subarray(12, 15))).toEqual([...truth.fruits.orange.position]);
    expect(o[8]).toBeCloseTo(2 * FINGER_OPEN, 4);
  });
});

describe('arm-swap reset', () => {
  it('places the fruits in their case slots with ±1.5 cm jitter, resting upright, C empty', () => {
    let ab = 0;
    for (let seed = 0; seed < 30; seed++) {
      const { info } = clean.reset(seed);
      const truth = clean.truth();
      const start = info['case'] === 'AB' ? { apple: 'A', orange: 'B' } : { apple: 'B', orange: 'A' };
      if (info['case'] === 'AB') ab += 1;
      for (const fruit of ['apple', 'orange'] as const) {
        const p = truth.fruits[fruit].position;
        const [sx, sy] = SLOTS[start[fruit] as 'A' | 'B'];
        expect(Math.abs(p[0] - sx)).toBeLessThanOrEqual(0.0151);
        expect(Math.abs(p[1] - sy)).toBeLessThanOrEqual(0.0151);
        expect(Math.abs(p[2] - 0.03)).toBeLessThan(0.001);
        expect(truth.fruits[fruit].tilt).toBeLessThan(1e-3);
      }
      expect(info['fruitSlots']).toEqual(start);
    }
    expect(ab).toBeGreaterThan(7);
    expect(ab).toBeLessThan(23);
  });

  it('a forced case swaps the slots and keeps the jitter draws', () => {
    clean.reset(5, { case: 'AB' });
    const ab = clean.truth().fruits;
    clean.reset(5, { case: 'BA' });
    const ba = clean.truth().fruits;
    // Same jitter offsets, mirrored slots: apple's offset from its slot centre is the same in both.
    expect(ab.apple.position[0]).toBeCloseTo(ba.apple.position[0], 4);
    expect(ab.apple.position[1] - SLOTS.A[1]).toBeCloseTo(ba.apple.position[1] - SLOTS.B[1], 4);
  });
});

describe('arm-swap physics', () => {
  it('a fruit at rest stays on the table while the arm works at the other one', () => {
    // Regression: with a table plane, the resting fruit's contacts vanished as the gripper came down on
    // the other fruit, and it fell through the table (seed 16 of the scripted demos).
    clean.reset(16, { case: 'BA' });
    const apple = clean.truth().fruits.apple.position;
    let last = moveTo(clean, hold, [apple[0], apple[1], CARRY_Z, FINGER_OPEN], 10);
    last = moveTo(
      clean,
      [apple[0], apple[1], CARRY_Z, FINGER_OPEN],
      [apple[0], apple[1], GRASP_Z, FINGER_OPEN],
      8,
    );
    for (let k = 0; k < 5; k++) last = clean.step([apple[0], apple[1], GRASP_Z, 0]);
    const orange = clean.truth().fruits.orange;
    expect(Math.abs(orange.position[2] - 0.03)).toBeLessThan(0.001);
    expect(orange.tilt).toBeLessThan(0.01);
    expect(last.info['fruitSlots']).toMatchObject({ orange: 'A' });
  });

  it('the friction grasp lifts a fruit; opening above the table drops it', () => {
    clean.reset(2, { case: 'AB' });
    const p = clean.truth().fruits.apple.position;
    moveTo(clean, hold, [p[0], p[1], GRASP_Z, FINGER_OPEN], 12);
    for (let k = 0; k < 5; k++) clean.step([p[0], p[1], GRASP_Z, 0]);
    moveTo(clean, [p[0], p[1], GRASP_Z, 0], [p[0], p[1], CARRY_Z, 0], 6);
    expect(clean.truth().fruits.apple.position[2]).toBeGreaterThan(0.1);
    for (let k = 0; k < 10; k++) clean.step([p[0], p[1], CARRY_Z, FINGER_OPEN]);
    expect(clean.truth().fruits.apple.position[2]).toBeLessThan(0.05);
  });

  it('the weld fallback holds a fruit even when the pads cannot grip (fingers barely close)', async () => {
    const weld = await makeArm({
      grasp: 'weld',
      sensorNoise: NO_SENSOR_NOISE,
      mjcf: { padFriction: 0.05, fruitFriction: 0.05 },
    });
    const slippery = await makeArm({
      sensorNoise: NO_SENSOR_NOISE,
      mjcf: { padFriction: 0.05, fruitFriction: 0.05 },
    });
    try {
      const lift = (e: ArmSwapEnv) => {
        e.reset(2, { case: 'AB' });
        const p = e.truth().fruits.apple.position;
        moveTo(e, hold, [p[0], p[1], GRASP_Z, FINGER_OPEN], 12);
        for (let k = 0; k < 5; k++) e.step([p[0], p[1], GRASP_Z, 0]);
        moveTo(e, [p[0], p[1], GRASP_Z, 0], [p[0], p[1], CARRY_Z, 0], 6);
        return e.truth().fruits.apple.position[2];
      };
      expect(lift(slippery)).toBeLessThan(0.05);
      expect(lift(weld)).toBeGreaterThan(0.1);
    } finally {
      weld.close();
      slippery.close();
    }
  });

  it('reports the final verdict at the time limit: holding still at the start is no success', async () => {
    const short = await makeArm({ episodeSteps: 5 });
    try {
      short.reset(1);
      let last = short.step(hold);
      for (let t = 1; t < 5; t++) last = short.step(hold);
      expect(last.truncated).toBe(true);
      expect(last.info.episodeSuccess).toBe(false);
      expect(last.reward).toBe(0);
    } finally {
      short.close();
    }
  });
});
