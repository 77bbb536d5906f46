/**
 * One guided row against a closed form: with the Gaussian-prior model x̂₀ = √ᾱ_τ·x, so for goal_reaching
 *   ∂J/∂x_pos,j = −(T/(H·F)) · √ᾱ_τ · std ⊙ (p̂_j − g)/‖p̂_j − g‖,   p̂_j = √ᾱ_τ·x_pos,j·std + mean,
 * and the row must add gain_t·∇ (averaged over MCG samples) to the plain DDIM step.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denoiseRow, type SamplerContext } from '../../src/diffusion/sampler.js';
import { silentLogger } from '../../src/logging.js';
import {
  alphaBarAt,
  createRng,
  type MatrixTransition,
  matrixTransitions,
  noiseSchedule,
} from '../../src/math/index.js';
import { goalReaching, type ObjectiveContext } from '../../src/objectives/index.js';
import { guidedRow } from '../../src/planner/guided-row.js';
import { initBackend } from '../../src/tensor/index.js';
import { GaussianPriorModel, STEP, TOKEN, tinyMazeConfig, tinyMazeLayout } from './planner-fixtures.js';

const schedule = noiseSchedule('linear', 1000);
const F = tinyMazeLayout.frameStack;
const H = 2;
const POS = 3;
const { mean, std } = tinyMazeConfig.normalization;
const goal = [2.5, -1];
const T = 30;

let model: GaussianPriorModel;

function setup(batch: number) {
  // Token 0 moves 499 → 399 (nonzero gain), token 1 stays at 999.
  const matrix = {
    mode: 'custom' as const,
    steps: 10,
    horizon: H,
    rows: [
      [5, 10],
      [4, 10],
    ],
  };
  const transition = matrixTransitions(matrix)[0]!;
  const context: SamplerContext = {
    model,
    schedule,
    objective: 'x0',
    z0: tf.zeros([batch, 2]) as tf.Tensor2D,
    horizon: H,
    batch,
    tokenSize: TOKEN,
    eta: 0,
    rng: createRng(0),
    clipNoise: 20,
    stabilizationLevel: 99,
    stabilizationMode: 'label',
  };
  const objective: ObjectiveContext = {
    layout: tinyMazeLayout,
    normalization: tinyMazeConfig.normalization,
    goal,
    stepMask: new Float32Array(H * F).fill(1),
    episodeSteps: T,
  };
  const values = createRng(batch).fillNormal(new Float32Array(H * batch * TOKEN));
  return { transition, context, objective, values };
}

/** ∂J_b/∂x for sample b, from the closed form above, [H·D]. */
function closedFormGradient(values: Float32Array, transition: MatrixTransition, batch: number, b: number) {
  const grad = new Float64Array(H * TOKEN);
  for (let t = 0; t < H; t++) {
    const a = Math.sqrt(alphaBarAt(schedule, transition.fromLevel[t]!));
    for (let f = 0; f < F; f++) {
      const at = (t * batch + b) * TOKEN + f * STEP + POS;
      const p = [0, 1].map((k) => a * values[at + k]! * std[POS + k]! + mean[POS + k]!);
      const d = Math.hypot(p[0]! - goal[0]!, p[1]! - goal[1]!);
      for (const k of [0, 1]) {
        grad[t * TOKEN + f * STEP + POS + k] = (-T / (H * F)) * a * std[POS + k]! * ((p[k]! - goal[k]!) / d);
      }
    }
  }
  return grad;
}

describe('guidedRow', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    model = new GaussianPriorModel();
  });
  afterAll(() => model.dispose());

  for (const batch of [1, 3]) {
    it(`adds gain_t · (mean over ${batch} sample(s) of ∇J_b) to the DDIM step`, () => {
      const { transition, context, objective, values } = setup(batch);
      const gains = Float32Array.from([0.4, 0]);
      const x = tf.tensor3d(values, [H, batch, TOKEN]);
      const before = tf.memory().numTensors;
      const [guided, plain, x0Hat] = tf.tidy(() => {
        const row = guidedRow({
          context,
          x,
          transition,
          prefix: null,
          score: (x0) => goalReaching.score(x0, objective),
          gains,
        });
        const ddim = denoiseRow(context, x, transition);
        return [row.x.dataSync(), ddim.x.dataSync(), row.x0Hat.dataSync()];
      });
      expect(tf.memory().numTensors).toBe(before);
      const average = new Float64Array(H * TOKEN);
      for (let b = 0; b < batch; b++) {
        const g = closedFormGradient(values, transition, batch, b);
        for (let i = 0; i < g.length; i++) average[i]! += g[i]! / batch;
      }
      let largest = 0;
      for (let t = 0; t < H; t++) {
        for (let b = 0; b < batch; b++) {
          for (let k = 0; k < TOKEN; k++) {
            const i = (t * batch + b) * TOKEN + k;
            const expected = gains[t]! * average[t * TOKEN + k]!;
            largest = Math.max(largest, Math.abs(expected));
            expect(guided[i]! - plain[i]!).toBeCloseTo(expected, 4);
          }
        }
      }
      expect(largest).toBeGreaterThan(0.1); // the check above is not vacuous
      // x̂₀ is the model's clean estimate √ᾱ·x.
      const a = Math.sqrt(alphaBarAt(schedule, transition.fromLevel[0]!));
      expect(x0Hat[0]).toBeCloseTo(a * values[0]!, 5);
      tf.dispose([x, context.z0]);
    });
  }

  it('concatenates the finished prefix in front of x̂₀ and scores the whole plan', () => {
    const { transition, context, objective, values } = setup(1);
    const prefixValues = createRng(7).fillNormal(new Float32Array(TOKEN));
    const x = tf.tensor3d(values, [H, 1, TOKEN]);
    const prefix = tf.tensor3d(prefixValues, [1, 1, TOKEN]);
    const seen: number[] = [];
    const x0Hat = tf.tidy(() => {
      const row = guidedRow({
        context,
        x,
        transition,
        prefix,
        score: (plan) => {
          seen.push(plan.shape[0]);
          return goalReaching.score(plan, { ...objective, stepMask: new Float32Array((H + 1) * F).fill(1) });
        },
        gains: Float32Array.from([0.4, 0]),
      });
      return row.x0Hat.dataSync();
    });
    expect(seen).toEqual([H + 1]);
    expect(Array.from(x0Hat.subarray(0, TOKEN))).toEqual(Array.from(prefixValues));
    tf.dispose([x, prefix, context.z0]);
  });
});
