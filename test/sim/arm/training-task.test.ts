/**
 * The arm training task on a small hand-built dataset (no simulation): token layout, windows from the demo
 * start, final-hold padding kept in the loss, normalisation, and validation windows from validation demos.
 */
import { describe, expect, it } from 'vitest';
import type { ArmDataset } from '../../../sim/arm/dataset.js';
import {
  ARM_STD_INFLATION,
  armNormalization,
  armSequenceDataset,
  armTokenLayout,
} from '../../../sim/arm/training-task.js';
import { createRng } from '../../../src/math/rng.js';
import { stepSize, tokenSize } from '../../../src/tasks/token-layout.js';

/** Two demos (lengths 7 and 4); values encode (demo, step) so windows can be read back. */
function tinyDataset(validationSecond: boolean): ArmDataset {
  const lengths = [7, 4];
  const n = lengths.reduce((a, b) => a + b, 0);
  const z = (c: number) => new Float32Array(n * c);
  const d = {
    observations: z(15),
    nextObservations: z(15),
    actions: z(4),
    executedActions: z(4),
    jointTargets: z(5),
    segments: z(1),
    moves: z(1),
    cases: z(1),
    validation: z(1),
    demoSuccess: z(1),
    timeouts: z(1),
  };
  let t = 0;
  lengths.forEach((len, demo) => {
    for (let s = 0; s < len; s++, t++) {
      for (let k = 0; k < 4; k++) d.actions[t * 4 + k] = 100 * demo + s + 0.1 * k;
      for (let j = 0; j < 15; j++) {
        d.observations[t * 15 + j] = 100 * demo + s + 0.01 * j;
        d.nextObservations[t * 15 + j] = 100 * demo + s + 1 + 0.01 * j;
      }
      d.validation[t] = validationSecond && demo === 1 ? 1 : 0;
      d.timeouts[t] = s === len - 1 ? 1 : 0;
    }
  });
  return { task: 'arm-swap', seed: 0, noise: 0, steps: n, ...d };
}

describe('arm training task', () => {
  it('tokens are [action 4 | 15 observation numbers] × F with no reward field', () => {
    const layout = armTokenLayout(5);
    expect(stepSize(layout)).toBe(19);
    expect(tokenSize(layout)).toBe(95);
    expect(layout.fields.some((f) => f.kind === 'reward')).toBe(false);
  });

  it('windows start at the demo start, read o₀ for the encoder, and pad with the final hold in the loss', () => {
    const data = tinyDataset(false);
    const ds = armSequenceDataset(data, 2);
    const { mean, std } = ds.normalization;
    const unx = (v: number, k: number) => v * std[k]! + mean[k]!;
    // 6 tokens × F 2 = 12 steps > both demos: everything past the end repeats the last step.
    const batch = ds.sampleBatch(8, 6, createRng(1));
    expect(batch.mask.every((m) => m === 1)).toBe(true);
    for (let b = 0; b < 8; b++) {
      const o0 = unx(batch.firstObservation![b * 15]!, 4);
      const demo = o0 > 50 ? 1 : 0;
      expect(o0).toBeCloseTo(100 * demo, 3);
      const len = demo === 0 ? 7 : 4;
      for (let s = 0; s < 12; s++) {
        const t = Math.floor(s / 2);
        const at = (t * 8 + b) * 38 + (s % 2) * 19;
        expect(unx(batch.x0[at]!, 0)).toBeCloseTo(100 * demo + Math.min(s, len - 1), 3);
        expect(unx(batch.x0[at + 4]!, 4)).toBeCloseTo(100 * demo + Math.min(s, len - 1) + 1, 3);
      }
    }
  });

  it('normalises with the training demos only, action and qd stds inflated', () => {
    const plain = armNormalization(tinyDataset(false));
    const heldOut = armNormalization(tinyDataset(true));
    expect(heldOut.mean[0]).toBeCloseTo(3 + 0, 5); // steps 0..6 of demo 0 only
    expect(plain.mean[0]).toBeGreaterThan(heldOut.mean[0]!);
    // joint_velocity (step dims 8–11) and action (0–3) are inflated, joint_position (4–7) is not.
    const ratio = heldOut.std[8]! / heldOut.std[4]!;
    expect(ratio).toBeCloseTo(ARM_STD_INFLATION, 5);
    expect(heldOut.std[0]! / heldOut.std[4]!).toBeCloseTo(ARM_STD_INFLATION, 5);
  });

  it('validation windows come only from validation demos, and exist only when there are some', () => {
    expect(armSequenceDataset(tinyDataset(false), 2).sampleValidationBatch).toBeUndefined();
    const ds = armSequenceDataset(tinyDataset(true), 2);
    const { mean, std } = ds.normalization;
    const batch = ds.sampleValidationBatch!(4, 2, createRng(0));
    for (let b = 0; b < 4; b++)
      expect(batch.firstObservation![b * 15]! * std[4]! + mean[4]!).toBeCloseTo(100, 3);
    const train = ds.sampleBatch(4, 2, createRng(0));
    for (let b = 0; b < 4; b++)
      expect(train.firstObservation![b * 15]! * std[4]! + mean[4]!).toBeCloseTo(0, 3);
  });
});
