import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { rewardSum } from '../../src/objectives/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { STEP, TOKEN, tinyMazeLayout } from '../planner/planner-fixtures.js';

const F = tinyMazeLayout.frameStack;
const REWARD = 2;
const normalization = { mean: [0, 0, 0.5, 0, 0, 0, 0], std: [2, 2, 0.25, 1, 1, 1, 1] };

describe('reward_sum', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('is Σ_j m_j·r̂_j over denormalised rewards, per sample', () => {
    const h = 2;
    const b = 2;
    const rewards = [0, 1, 1, 0.5, 2, -1, 0, 3]; // [H, B, F] order: t, b, f
    const values = new Float32Array(h * b * TOKEN).map((_, i) => Math.cos(i));
    for (let t = 0; t < h; t++)
      for (let s = 0; s < b; s++)
        for (let f = 0; f < F; f++) {
          const r = rewards[(t * b + s) * F + f]!;
          values[(t * b + s) * TOKEN + f * STEP + REWARD] = (r - 0.5) / 0.25;
        }
    const mask = Float32Array.from([1, 1, 1, 0]);
    const scores = tf.tidy(() =>
      rewardSum
        .score(tf.tensor3d(values, [h, b, TOKEN]), {
          layout: tinyMazeLayout,
          normalization,
          goal: null,
          stepMask: mask,
          episodeSteps: 10,
        })
        .dataSync(),
    );
    for (let s = 0; s < b; s++) {
      let expected = 0;
      for (let t = 0; t < h; t++)
        for (let f = 0; f < F; f++) expected += mask[t * F + f]! * rewards[(t * b + s) * F + f]!;
      expect(scores[s]).toBeCloseTo(expected, 4);
    }
  });

  it('needs no goal', () => {
    expect(rewardSum.goalSize(tinyMazeLayout)).toBe(0);
    expect(() =>
      rewardSum.check({
        layout: tinyMazeLayout,
        normalization,
        goal: null,
        stepMask: new Float32Array(F),
        episodeSteps: 1,
      }),
    ).not.toThrow();
  });

  it('refuses a layout without a reward field (ConfigError)', () => {
    const layout = { frameStack: 1, fields: [{ name: 'position', kind: 'observation' as const, size: 2 }] };
    expect(() => rewardSum.goalSize(layout)).toThrow(ConfigError);
  });
});
