import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffusionForcingLoss } from '../../src/diffusion/index.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createRng, lossWeightTable, noiseSchedule } from '../../src/math/index.js';
import type { DfModel, Objective } from '../../src/model/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyModel } from '../helpers/make-tiny-model.js';

const T = 5;
const B = 4;
const D = 6;
const schedule = noiseSchedule('linear', 1000);

interface RolloutCall {
  x: Float32Array;
  levels: Int32Array;
  out: Float32Array;
}

/** Forwards to the real model and records what each rollout saw and returned. */
function recording(model: DfModel): { model: DfModel; calls: RolloutCall[] } {
  const calls: RolloutCall[] = [];
  const wrapper: DfModel = {
    get config() {
      return model.config;
    },
    get variables() {
      return model.variables;
    },
    get weightNames() {
      return model.weightNames;
    },
    get parameterCount() {
      return model.parameterCount;
    },
    get gradientMode() {
      return model.gradientMode;
    },
    initialLatent: (o, b) => model.initialLatent(o, b),
    step: (z, x, l) => model.step(z, x, l),
    rollout: (z0, x, levels) => {
      const result = model.rollout(z0, x, levels);
      calls.push({
        x: x.dataSync().slice() as Float32Array,
        levels: levels.dataSync().slice() as Int32Array,
        out: result.out.dataSync().slice() as Float32Array,
      });
      return result;
    },
    weightsChanged: () => model.weightsChanged(),
    setGradientMode: (m) => model.setGradientMode(m),
    dispose: () => model.dispose(),
  };
  return { model: wrapper, calls };
}

function batchTensors(seed: number, maskValues?: number[]) {
  const rng = createRng(seed);
  const x0 = new Float32Array(T * B * D);
  rng.fillNormal(x0);
  const obs = new Float32Array(B * 2);
  rng.fillNormal(obs);
  return {
    x0Values: x0,
    batch: {
      x0: tf.tensor3d(x0, [T, B, D]),
      firstObservation: tf.tensor2d(obs, [B, 2]),
      mask: tf.tensor2d(maskValues ?? new Array(T * B).fill(1), [T, B]),
    },
  };
}

/** The loss of Algorithm 1 recomputed in float64 from what the model saw (independent of draw order). */
function referenceLoss(
  call: RolloutCall,
  x0: Float32Array,
  mask: number[],
  objective: Objective,
  weights: Float64Array,
  lossScale: number,
): number {
  let total = 0;
  let count = 0;
  for (let token = 0; token < T * B; token++) {
    const k = call.levels[token]!;
    const a = schedule.sqrtAlphaBar[k]!;
    const s = schedule.sqrtOneMinusAlphaBar[k]!;
    const m = mask[token]!;
    count += m;
    for (let d = 0; d < D; d++) {
      const i = token * D + d;
      const eps = (call.x[i]! - a * x0[i]!) / s;
      const target = objective === 'x0' ? x0[i]! : objective === 'eps' ? eps : a * eps - s * x0[i]!;
      const out = objective === 'eps' ? Math.min(Math.max(call.out[i]!, -20), 20) : call.out[i]!;
      total += m * weights[k]! * lossScale * (out - target) ** 2;
    }
  }
  return total / (D * Math.max(count, 1));
}

describe('diffusionForcingLoss', () => {
  let tiny: DfModel;
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    tiny = makeTinyModel().model;
  });
  afterAll(() => tiny.dispose());

  it.each([
    ['x0', 'constant', 1],
    ['x0', 'constant', 10],
    ['eps', 'min_snr', 1],
    ['v', 'min_snr', 2],
  ] as const)(
    'equals Σ m·w·‖out − target‖² / (D·Σm) for %s targets, %s weights, scale %d',
    (objective, weighting, scale) => {
      const { model, calls } = recording(tiny);
      const mask = Array.from({ length: T * B }, (_, i) => (i >= (T - 1) * B + 2 ? 0 : 1));
      const { x0Values, batch } = batchTensors(1, mask);
      const loss = diffusionForcingLoss(model, schedule, batch, createRng(5), {
        objective,
        weighting,
        lossScale: scale,
      });
      expect(calls).toHaveLength(1);
      const expected = referenceLoss(
        calls[0]!,
        x0Values,
        mask,
        objective,
        lossWeightTable(weighting, objective, schedule),
        scale,
      );
      expect(Math.abs(loss.dataSync()[0]! - expected) / expected).toBeLessThanOrEqual(1e-5);
      // The noisy input really is √ᾱ·x0 + √(1−ᾱ)·ε with |ε| ≤ clipNoise.
      const call = calls[0]!;
      for (let i = 0; i < call.x.length; i++) {
        const k = call.levels[Math.floor(i / D)]!;
        const eps =
          (call.x[i]! - schedule.sqrtAlphaBar[k]! * x0Values[i]!) / schedule.sqrtOneMinusAlphaBar[k]!;
        expect(Math.abs(eps)).toBeLessThanOrEqual(20 + 1e-3);
      }
      tf.dispose([loss, batch.x0, batch.firstObservation, batch.mask]);
    },
  );

  it('draws independent uniform levels per token and batch element, and clamps the noise', () => {
    const { model, calls } = recording(tiny);
    const { x0Values, batch } = batchTensors(2);
    const rng = createRng(9);
    const levels: number[] = [];
    for (let i = 0; i < 30; i++) {
      diffusionForcingLoss(model, schedule, batch, rng, { clipNoise: 1.5 }).dispose();
      levels.push(...calls[i]!.levels);
    }
    const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
    expect(Math.min(...levels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...levels)).toBeLessThanOrEqual(999);
    // 600 draws of U{0…999}: mean 499.5, standard error ≈ 11.8.
    expect(Math.abs(mean - 499.5)).toBeLessThan(60);
    // Not shared along the batch: every call has distinct levels within some token.
    expect(calls.every((c) => new Set(c.levels.slice(0, B)).size > 1)).toBe(true);
    let clamped = 0;
    const call = calls[0]!;
    for (let i = 0; i < call.x.length; i++) {
      const k = call.levels[Math.floor(i / D)]!;
      const eps = (call.x[i]! - schedule.sqrtAlphaBar[k]! * x0Values[i]!) / schedule.sqrtOneMinusAlphaBar[k]!;
      expect(Math.abs(eps)).toBeLessThanOrEqual(1.5 + 1e-3);
      if (Math.abs(eps) > 1.499) clamped++;
    }
    expect(clamped).toBeGreaterThan(0);
    tf.dispose([batch.x0, batch.firstObservation, batch.mask]);
  });

  it('gtFirstFrameProb = 1 makes token 1 clean for the whole batch; gtCondProb = 1 is teacher forcing', () => {
    const { model, calls } = recording(tiny);
    const { batch } = batchTensors(3);
    diffusionForcingLoss(model, schedule, batch, createRng(1), { gtFirstFrameProb: 1 }).dispose();
    expect(Array.from(calls[0]!.levels.slice(0, B))).toEqual([0, 0, 0, 0]);
    expect(calls[0]!.levels.slice(B).some((k) => k !== 0)).toBe(true);
    diffusionForcingLoss(model, schedule, batch, createRng(1), { gtCondProb: 1 }).dispose();
    expect(calls[1]!.levels.every((k) => k === 0)).toBe(true);
    tf.dispose([batch.x0, batch.firstObservation, batch.mask]);
  });

  it('is reproducible from the seed and ignores padded tokens', () => {
    const mask = Array.from({ length: T * B }, (_, i) => (i % B === 3 ? 0 : 1));
    const a = batchTensors(4, mask);
    // Same batch except the padded column holds other values.
    const changed = a.x0Values.slice();
    for (let token = 0; token < T * B; token++) {
      if (mask[token] === 0) for (let d = 0; d < D; d++) changed[token * D + d] = 100 + d;
    }
    const x0b = tf.tensor3d(changed, [T, B, D]);
    const value = (x0: tf.Tensor3D, seed: number) =>
      tf.tidy(() => diffusionForcingLoss(tiny, schedule, { ...a.batch, x0 }, createRng(seed)).dataSync()[0]!);
    expect(value(a.batch.x0, 3)).toBe(value(a.batch.x0, 3));
    expect(value(a.batch.x0, 3)).not.toBe(value(a.batch.x0, 4));
    expect(value(x0b, 3)).toBeCloseTo(value(a.batch.x0, 3), 6);
    const allPadded = tf.zeros([T, B]) as tf.Tensor2D;
    expect(
      tf.tidy(
        () =>
          diffusionForcingLoss(tiny, schedule, { ...a.batch, mask: allPadded }, createRng(1)).dataSync()[0],
      ),
    ).toBe(0);
    tf.dispose([x0b, allPadded, a.batch.x0, a.batch.firstObservation, a.batch.mask]);
  });

  it('keeps the tensor count constant across gradient evaluations', () => {
    const { batch } = batchTensors(5);
    const rng = createRng(2);
    const evaluate = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => diffusionForcingLoss(tiny, schedule, batch, rng, { lossScale: 10 }),
          tiny.variables as tf.Variable[],
        );
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        expect(Object.keys(grads)).toHaveLength(tiny.variables.length);
      });
    evaluate();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) evaluate();
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([batch.x0, batch.firstObservation, batch.mask]);
  });

  it('rejects bad options and a schedule the model was not built for', () => {
    const { batch } = batchTensors(6);
    expect(() =>
      diffusionForcingLoss(tiny, schedule, batch, createRng(1), { lossScale: 0, gtFirstFrameProb: 2 }),
    ).toThrow(ConfigError);
    expect(() => diffusionForcingLoss(tiny, noiseSchedule('cosine', 1000), batch, createRng(1))).toThrow(
      /cosine/,
    );
    expect(() =>
      diffusionForcingLoss(tiny, schedule, { ...batch, mask: tf.ones([B, T]) as tf.Tensor2D }, createRng(1)),
    ).toThrow(/mask must be \[5, 4\]/);
    tf.dispose([batch.x0, batch.firstObservation, batch.mask]);
  });
});
