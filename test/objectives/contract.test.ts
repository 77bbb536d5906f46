/**
 * Contract suite run over every registered objective: shapes, finite gradients that agree
 * with finite differences, ascent along the gradient, and the registry's errors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InputError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import {
  getObjective,
  type ObjectiveContext,
  objectiveNames,
  registerObjective,
} from '../../src/objectives/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { TOKEN, tinyMazeConfig, tinyMazeLayout } from '../planner/planner-fixtures.js';

const H = 4;
const B = 3;
const F = tinyMazeLayout.frameStack;

function context(goalSize: number): ObjectiveContext {
  const stepMask = new Float32Array(H * F).fill(1);
  stepMask[H * F - 1] = 0;
  return {
    layout: tinyMazeLayout,
    normalization: tinyMazeConfig.normalization,
    goal: goalSize > 0 ? Array.from({ length: goalSize }, (_, i) => 2 - i) : null,
    stepMask,
    episodeSteps: 40,
  };
}

function randomTokens(seed: number): Float32Array {
  return createRng(seed).fillNormal(new Float32Array(H * B * TOKEN));
}

describe('objective contract', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('registers goal_reaching and reward_sum', () => {
    expect(objectiveNames()).toEqual(expect.arrayContaining(['goal_reaching', 'reward_sum']));
  });

  for (const name of objectiveNames()) {
    describe(name, () => {
      const objective = getObjective(name);
      const goalSize = objective.goalSize(tinyMazeLayout);
      const ctx = context(goalSize);

      it('has its registry name and accepts the maze layout', () => {
        expect(objective.name).toBe(name);
        expect(() => objective.check(ctx)).not.toThrow();
      });

      it('scores every sample: [H, B, D] → [B], finite', () => {
        const before = tf.memory().numTensors;
        const scores = tf.tidy(() => objective.score(tf.tensor3d(randomTokens(1), [H, B, TOKEN]), ctx));
        expect(scores.shape).toEqual([B]);
        expect(Array.from(scores.dataSync()).every(Number.isFinite)).toBe(true);
        scores.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });

      it('scores each sample on its own tokens only', () => {
        const values = randomTokens(2);
        const all = tf.tidy(() => objective.score(tf.tensor3d(values, [H, B, TOKEN]), ctx).dataSync());
        for (let b = 0; b < B; b++) {
          const single = new Float32Array(H * TOKEN);
          for (let t = 0; t < H; t++) {
            single.set(values.subarray((t * B + b) * TOKEN, (t * B + b + 1) * TOKEN), t * TOKEN);
          }
          const one = tf.tidy(() => objective.score(tf.tensor3d(single, [H, 1, TOKEN]), ctx).dataSync());
          expect(one[0]).toBeCloseTo(all[b]!, 4);
        }
      });

      it('has a finite gradient that matches central finite differences (rel. 2e-2)', () => {
        const values = randomTokens(3);
        const direction = createRng(4).fillNormal(new Float32Array(values.length));
        const total = (v: Float32Array) =>
          tf.tidy(() => tf.sum(objective.score(tf.tensor3d(v, [H, B, TOKEN]), ctx)).dataSync()[0]!);
        const grad = tf.tidy(() =>
          tf
            .grad((x: tf.Tensor) => tf.sum(objective.score(x as tf.Tensor3D, ctx)))(
              tf.tensor3d(values, [H, B, TOKEN]),
            )
            .dataSync(),
        );
        expect(Array.from(grad).every(Number.isFinite)).toBe(true);
        let analytic = 0;
        for (let i = 0; i < grad.length; i++) analytic += grad[i]! * direction[i]!;
        const eps = 1e-2;
        const plus = values.map((v, i) => v + eps * direction[i]!);
        const minus = values.map((v, i) => v - eps * direction[i]!);
        const numeric = (total(plus) - total(minus)) / (2 * eps);
        expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(2e-2 * Math.max(1, Math.abs(analytic)));
      });

      it('rises along its gradient (the planner ascends J)', () => {
        const values = randomTokens(5);
        const x = tf.tensor3d(values, [H, B, TOKEN]);
        const [before, after] = tf.tidy(() => {
          const g = tf.grad((v: tf.Tensor) => tf.sum(objective.score(v as tf.Tensor3D, ctx)))(x);
          const stepped = tf.add(x, tf.mul(1e-2, g)) as tf.Tensor3D;
          return [
            tf.sum(objective.score(x, ctx)).dataSync()[0]!,
            tf.sum(objective.score(stepped, ctx)).dataSync()[0]!,
          ];
        });
        x.dispose();
        expect(after).toBeGreaterThan(before);
      });

      it('ignores masked steps', () => {
        const values = randomTokens(6);
        const last = (H - 1) * B * TOKEN; // the last token's frame F−1 is masked in ctx
        const changed = values.slice();
        for (let b = 0; b < B; b++) {
          for (let k = 0; k < TOKEN / F; k++) changed[last + b * TOKEN + (F - 1) * (TOKEN / F) + k]! += 5;
        }
        const score = (v: Float32Array) =>
          tf.tidy(() => objective.score(tf.tensor3d(v, [H, B, TOKEN]), ctx).dataSync());
        expect(Array.from(score(changed))).toEqual(Array.from(score(values)));
      });

      it('refuses a step mask of the wrong length (InputError)', () => {
        const bad = { ...ctx, stepMask: new Float32Array(H * F - 1) };
        expect(() =>
          tf.tidy(() => objective.score(tf.tensor3d(randomTokens(7), [H, B, TOKEN]), bad)),
        ).toThrow(InputError);
      });
    });
  }

  it('getObjective names the registered objectives when the name is unknown', () => {
    expect(() => getObjective('goal_reachin')).toThrow(InputError);
    expect(() => getObjective('goal_reachin')).toThrow(/goal_reaching, reward_sum/);
  });

  it('registerObjective refuses a taken or malformed name', () => {
    expect(() => registerObjective({ ...getObjective('reward_sum') })).toThrow(/already registered/);
    expect(() => registerObjective({ ...getObjective('reward_sum'), name: 'Reward Sum' })).toThrow(
      InputError,
    );
  });

  it('check reports a layout that lacks the needed field as a ConfigError', () => {
    const bare = { frameStack: 2, fields: [{ name: 'action', kind: 'action' as const, size: 2 }] };
    for (const name of objectiveNames()) {
      const objective = getObjective(name);
      expect(() => objective.goalSize(bare)).toThrow(ConfigError);
      expect(() =>
        objective.check({ ...context(2), layout: bare, normalization: { mean: [0, 0], std: [1, 1] } }),
      ).toThrow(ConfigError);
    }
  });
});
