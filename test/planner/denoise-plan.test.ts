/**
 * The row loop's shortcuts (finished-prefix latent cache, tail skipping, gradient-free rows) must not change
 * the result: compared with the sampler's plain Algorithm 2 and with a naive guided loop that re-runs every
 * token from z₀ each row.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denoiseRow, type SamplerContext, sample } from '../../src/diffusion/sampler.js';
import { silentLogger } from '../../src/logging.js';
import {
  createRng,
  matrixTransitions,
  noiseSchedule,
  paperGuidanceGain,
  schedulingMatrix,
  stabilizationLevel,
} from '../../src/math/index.js';
import type { DfModel } from '../../src/model/index.js';
import { goalReaching, type ObjectiveContext } from '../../src/objectives/index.js';
import { denoisePlan } from '../../src/planner/denoise-plan.js';
import { guidedRow } from '../../src/planner/guided-row.js';
import { warmMatrix } from '../../src/planner/warm-start.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyMazeModel, TOKEN, tinyMazeLayout } from './planner-fixtures.js';

const schedule = noiseSchedule('linear', 1000);
const S = 4;
const H = 5;
const B = 2;

let model: DfModel;

function context(z0: tf.Tensor2D, eta: number, seed: number, horizon = H): SamplerContext {
  return {
    model,
    schedule,
    objective: 'x0',
    z0,
    horizon,
    batch: B,
    tokenSize: TOKEN,
    eta,
    rng: createRng(seed),
    clipNoise: 20,
    stabilizationLevel: stabilizationLevel(S, 1000),
    stabilizationMode: 'label',
  };
}

function objectiveContext(horizon = H): ObjectiveContext {
  return {
    layout: tinyMazeLayout,
    normalization: model.config.normalization,
    goal: [2, -1],
    stepMask: new Float32Array(horizon * tinyMazeLayout.frameStack).fill(1),
    episodeSteps: 20,
  };
}

function maxAbsDiff(
  a: Float32Array | Int32Array | Uint8Array,
  b: Float32Array | Int32Array | Uint8Array,
): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('denoisePlan', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    model = makeTinyMazeModel();
  });
  afterAll(() => model.dispose());

  for (const eta of [0, 0.5]) {
    it(`unguided, η = ${eta}: equals the sampler's Algorithm 2 with fewer cell calls`, () => {
      const matrix = schedulingMatrix({ mode: 'pyramid', steps: S, horizon: H, uncertainty: 1 });
      const initial = createRng(9).fillNormal(new Float32Array(H * B * TOKEN));
      const z0 = tf.tidy(() => tf.randomNormal([B, 8], 0, 1, 'float32', 3) as tf.Tensor2D);
      const x = tf.tensor3d(initial, [H, B, TOKEN]);
      const reference = sample(model, schedule, {
        z0,
        matrix,
        initialTokens: x,
        eta,
        rng: createRng(4),
        finalLatent: false,
      });
      const before = tf.memory().numTensors;
      const plan = denoisePlan({
        context: context(z0, eta, 4),
        transitions: matrixTransitions(matrix),
        x,
        guidanceScale: 0,
        score: null,
      });
      expect(maxAbsDiff(plan.x0Hat.dataSync(), reference.tokens.dataSync())).toBeLessThan(1e-4);
      const rows = matrix.rows.length - 1;
      expect(plan.rows).toBe(rows);
      expect(plan.guidedRows).toBe(0);
      expect(plan.cellCalls).toBeLessThan(rows * H * B);
      expect(Array.from(plan.finalLevels)).toEqual(new Array(H).fill(-1));
      plan.x0Hat.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([reference.tokens, z0, x]);
    });
  }

  for (const [name, warm] of [
    ['cold pyramid', false],
    ['warm clipped pyramid', true],
  ] as const) {
    it(`guided (${name}): equals a naive loop that re-runs every token from z₀ each row`, () => {
      const matrix = warm
        ? warmMatrix(Int32Array.from([2, 3, 4, 5, 6]), S, 3)
        : schedulingMatrix({ mode: 'pyramid', steps: S, horizon: H, uncertainty: 1 });
      const transitions = matrixTransitions(matrix);
      const initial = createRng(11).fillNormal(new Float32Array(H * B * TOKEN));
      const z0 = tf.tidy(() => tf.randomNormal([B, 8], 0, 1, 'float32', 5) as tf.Tensor2D);
      const x = tf.tensor3d(initial, [H, B, TOKEN]);
      const octx = objectiveContext();
      const score = (x0Hat: tf.Tensor3D) => goalReaching.score(x0Hat, octx);
      const scale = 0.7;
      model.setGradientMode('frozen');
      try {
        // Naive: every row over all H tokens from z₀, gradient every row.
        const ctx = context(z0, 0, 1);
        let naive = tf.clone(x);
        let naiveX0: tf.Tensor3D | null = null;
        for (const [i, tr] of transitions.entries()) {
          const gains = new Float32Array(H);
          for (let t = 0; t < H; t++) {
            if (tr.toLevel[t] !== tr.fromLevel[t] && tr.toLevel[t] !== -1) {
              gains[t] = scale * paperGuidanceGain(schedule, tr.fromLevel[t]!, tr.toLevel[t]!, 0);
            }
          }
          const last = i === transitions.length - 1;
          const row = tf.tidy(() => {
            const r = guidedRow({ context: ctx, x: naive, transition: tr, prefix: null, score, gains });
            return last ? [r.x, r.x0Hat] : [r.x];
          });
          naive.dispose();
          naive = row[0] as tf.Tensor3D;
          if (last) naiveX0 = row[1] as tf.Tensor3D;
        }
        const plan = denoisePlan({ context: context(z0, 0, 1), transitions, x, guidanceScale: scale, score });
        expect(plan.guidedRows).toBeGreaterThan(0);
        expect(maxAbsDiff(plan.x0Hat.dataSync(), naiveX0!.dataSync())).toBeLessThan(1e-4);
        // The cache pays off once a token stays finished for more than one row (always in a cold pyramid).
        if (warm) expect(plan.cellCalls).toBeLessThanOrEqual(transitions.length * H * B);
        else expect(plan.cellCalls).toBeLessThan(transitions.length * H * B);
        tf.dispose([plan.x0Hat, naive, naiveX0!]);
      } finally {
        model.setGradientMode('train');
        tf.dispose([z0, x]);
      }
    });
  }

  it('warm: token 0 ends clean after warmStepsLeft rows', () => {
    const matrix = warmMatrix(Int32Array.from([3, 4, 5, 6, 7]), S, 3);
    const initial = createRng(2).fillNormal(new Float32Array(H * B * TOKEN));
    const z0 = tf.zeros([B, 8]) as tf.Tensor2D;
    const x = tf.tensor3d(initial, [H, B, TOKEN]);
    const plan = denoisePlan({
      context: context(z0, 0, 1),
      transitions: matrixTransitions(matrix),
      x,
      guidanceScale: 0,
      score: null,
    });
    expect(plan.rows).toBe(3);
    expect(plan.finalLevels[0]).toBe(-1);
    expect(plan.finalLevels[1]).toBeGreaterThan(-1);
    tf.dispose([plan.x0Hat, z0, x]);
  });

  it('a row without changes costs nothing', () => {
    const z0 = tf.zeros([B, 8]) as tf.Tensor2D;
    const x = tf.tensor3d(createRng(2).fillNormal(new Float32Array(H * B * TOKEN)), [H, B, TOKEN]);
    const ctx = context(z0, 0, 1);
    const matrix = {
      mode: 'custom' as const,
      steps: S,
      horizon: H,
      rows: [
        [1, 4, 4, 4, 4],
        [0, 4, 4, 4, 4],
      ],
    };
    const plan = denoisePlan({
      context: ctx,
      transitions: matrixTransitions(matrix),
      x,
      guidanceScale: 0,
      score: null,
    });
    // Last row: every token is read (the plan), tail included.
    expect(plan.cellCalls).toBe(H * B);
    const direct = tf.tidy(() => denoiseRow(ctx, x, matrixTransitions(matrix)[0]!).x0Hat.dataSync());
    expect(maxAbsDiff(plan.x0Hat.dataSync(), direct)).toBeLessThan(1e-5);
    tf.dispose([plan.x0Hat, z0, x]);
  });
});
