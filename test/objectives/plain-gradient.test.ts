/**
 * The plain (Float32Array) form of every registered objective against its tfjs `score` and tf.grad of it:
 * J per sample, and weight · ∂J/∂x̂₀ from a token on, on random plans with a partly zero step mask. Tolerance:
 * float32 sums in a different order (relative 1e-5 of the largest value).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import { getObjective, type ObjectiveContext, objectiveNames } from '../../src/objectives/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { TOKEN, tinyMazeConfig, tinyMazeLayout } from '../planner/planner-fixtures.js';

const H = 5;
const B = 3;
const F = tinyMazeLayout.frameStack;

function context(goalSize: number): ObjectiveContext {
  const stepMask = new Float32Array(H * F).fill(1);
  stepMask[H * F - 1] = 0;
  stepMask[H * F - 3] = 0;
  return {
    layout: tinyMazeLayout,
    normalization: tinyMazeConfig.normalization,
    goal: goalSize > 0 ? Array.from({ length: goalSize }, (_, i) => 0.7 - i) : null,
    stepMask,
    episodeSteps: 40,
  };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

describe('plain objectives', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  for (const name of objectiveNames()) {
    describe(name, () => {
      const objective = getObjective(name);
      const ctx = context(objective.goalSize(tinyMazeLayout));
      const plan = createRng(5).fillNormal(new Float32Array(H * B * TOKEN));

      it('has a plain form', () => {
        expect(objective.plain).toBeDefined();
      });

      it('scores each sample as score() does', () => {
        const expected = tf.tidy(() => objective.score(tf.tensor3d(plan, [H, B, TOKEN]), ctx).dataSync());
        const out = new Float32Array(B);
        objective.plain!.score(plan, H, B, ctx, out);
        const scale = maxAbs(expected);
        for (let b = 0; b < B; b++) expect(Math.abs(out[b]! - expected[b]!)).toBeLessThan(1e-5 * scale);
      });

      for (const from of [0, 2]) {
        it(`gives weight·∂J/∂x̂₀ from token ${from} as tf.grad does`, () => {
          const weight = 0.37;
          const before = tf.memory().numTensors;
          const expected = tf.tidy(() => {
            const g = tf.grad((x: tf.Tensor) =>
              tf.mul(tf.sum(objective.score(x as tf.Tensor3D, ctx)), weight),
            )(tf.tensor3d(plan, [H, B, TOKEN]));
            return g.dataSync().slice(from * B * TOKEN);
          });
          expect(tf.memory().numTensors).toBe(before);
          const grad = new Float32Array((H - from) * B * TOKEN).fill(Number.NaN);
          objective.plain!.gradient(plan, H, B, ctx, weight, from, grad);
          const scale = maxAbs(expected);
          expect(scale).toBeGreaterThan(0);
          for (let i = 0; i < grad.length; i++)
            expect(Math.abs(grad[i]! - expected[i]!)).toBeLessThan(1e-5 * scale);
        });
      }
    });
  }
});
