/**
 * Algorithm 1 of Diffusion Forcing: the training loss with an independent noise level per token
 * (docs/diffusion-forcing.md §2.1, §2.3).
 *
 * Notation (time-major; t = token 1…T, b = batch element, d = token dimension 1…D):
 *   k_{t,b}    level ~ Uniform{0 … K−1}, independent per token and batch element (drawn in JS from the
 *              seeded rng, so a run is reproducible); with probability `gtFirstFrameProb` token 1 gets k = 0 for
 *              the whole batch, with probability `gtCondProb` any token gets k = 0
 *   ε          N(0, I), clamped to ±clipNoise
 *   x^k        √ᾱ_k·x⁰ + √(1−ᾱ_k)·ε                                         forward diffusion
 *   out        model.rollout(z₀, x^k, k).out                                 x̂₀, ε̂ or v̂
 *   target     x⁰ (x0) | ε (eps) | v = √ᾱ_k·ε − √(1−ᾱ_k)·x⁰ (v)
 *   w_{t,b}    lossScale · lossWeightTable(weighting)[k_{t,b}]               (constant: 2.5)
 *   m_{t,b}    mask: 1 valid, 0 padding
 *   loss       Σ m·w·‖out − target‖² / (D · max(1, Σ m))                     masked mean over valid elements
 *
 * ε-prediction outputs are clamped to ±clipNoise before the loss, as in the paper's released code.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors.js';
import { type LossWeightKind, lossWeightTable, type NoiseSchedule, type Rng } from '../math/index.js';
import type { DfModel, Objective } from '../model/types.js';

export interface DiffusionForcingBatch {
  /** Normalised clean tokens, time-major [T, B, D]. */
  readonly x0: tf.Tensor3D;
  /** Normalised first observation [B, obsSize] for the init encoder, or null for learned/zeros z₀. */
  readonly firstObservation: tf.Tensor2D | null;
  /** Validity [T, B]: 1 for real tokens, 0 for padding. */
  readonly mask: tf.Tensor2D;
}

export interface DiffusionForcingLossOptions {
  /** What the head predicts; default: the model's `config.objective`. */
  readonly objective?: Objective;
  /** Per-level loss weighting; default 'constant' (2.5, the paper branch for planning and robot). */
  readonly weighting?: LossWeightKind;
  /** SNR clip C of the weighting (default 5). */
  readonly snrClip?: number;
  /** Multiplies the loss (the paper's maze runs used ×10). Default 1. */
  readonly lossScale?: number;
  /** ε is clamped to ±clipNoise (default 20, effectively no clamp; 6 in the paper's video runs). */
  readonly clipNoise?: number;
  /** Probability that token 1 is clean (k = 0) for the whole batch (default 0; the paper's robot used 0.5). */
  readonly gtFirstFrameProb?: number;
  /** Probability that any token is clean (default 0; 1 would be teacher forcing). */
  readonly gtCondProb?: number;
}

/** Resolved options with every default filled in. */
export interface ResolvedLossOptions {
  readonly objective: Objective;
  readonly weighting: LossWeightKind;
  readonly snrClip: number;
  readonly lossScale: number;
  readonly clipNoise: number;
  readonly gtFirstFrameProb: number;
  readonly gtCondProb: number;
}

const weightTables = new WeakMap<NoiseSchedule, Map<string, Float64Array>>();

/**
 * The scalar Diffusion Forcing loss of one batch. Call it inside `tf.variableGrads` (or an optimizer's
 * `minimize`): it draws fresh levels and noise from `rng` on every call.
 */
export function diffusionForcingLoss(
  model: DfModel,
  schedule: NoiseSchedule,
  batch: DiffusionForcingBatch,
  rng: Rng,
  options: DiffusionForcingLossOptions = {},
): tf.Scalar {
  const opts = resolveLossOptions(model, options);
  const [tCount, batchSize, d] = batch.x0.shape;
  checkBatch(model, schedule, batch);

  const { k, eps, signal, noise, weight } = drawLossNoise(schedule, opts, rng, tCount, batchSize, d);

  return tf.tidy(() => {
    const shape: [number, number, number] = [tCount, batchSize, 1];
    const a = tf.tensor3d(signal, shape);
    const s = tf.tensor3d(noise, shape);
    const epsT = tf.tensor3d(eps, [tCount, batchSize, d]);
    const xNoisy = tf.add(tf.mul(a, batch.x0), tf.mul(s, epsT)) as tf.Tensor3D;
    const z0 = model.initialLatent(batch.firstObservation, batchSize);
    let out: tf.Tensor3D = model.rollout(z0, xNoisy, tf.tensor2d(k, [tCount, batchSize], 'int32')).out;
    let target: tf.Tensor3D;
    switch (opts.objective) {
      case 'x0':
        target = batch.x0;
        break;
      case 'eps':
        target = epsT;
        out = tf.clipByValue(out, -opts.clipNoise, opts.clipNoise);
        break;
      case 'v':
        target = tf.sub(tf.mul(a, epsT), tf.mul(s, batch.x0)) as tf.Tensor3D;
        break;
    }
    const maskWeight = tf.mul(tf.tensor3d(weight, shape), tf.reshape(batch.mask, shape));
    const total = tf.sum(tf.mul(tf.square(tf.sub(out, target)), maskWeight));
    const count = tf.mul(tf.maximum(tf.sum(batch.mask), 1), d);
    return tf.div(total, count) as tf.Scalar;
  });
}

/** What one loss evaluation draws from its rng, per token n = t·B + b (time-major). */
export interface LossNoise {
  /** Level k_n. */
  readonly k: Int32Array;
  /** ε [N·D], clamped to ±clipNoise. */
  readonly eps: Float32Array;
  /** √ᾱ_k, √(1−ᾱ_k) and the loss weight lossScale·w(k) per token. */
  readonly signal: Float32Array;
  readonly noise: Float32Array;
  readonly weight: Float32Array;
}

/**
 * Levels and noise of one batch, drawn in JS from the seeded rng (so a run is reproducible, and every training
 * engine consumes the rng identically: the tfjs loss and the plain one see the same draws).
 */
export function drawLossNoise(
  schedule: NoiseSchedule,
  opts: ResolvedLossOptions,
  rng: Rng,
  tCount: number,
  batchSize: number,
  d: number,
): LossNoise {
  const n = tCount * batchSize;
  const k = new Int32Array(n);
  rng.fillUniformInt(k, schedule.levels);
  if (opts.gtCondProb > 0) {
    for (let i = 0; i < n; i++) if (rng.uniform() < opts.gtCondProb) k[i] = 0;
  }
  if (opts.gtFirstFrameProb > 0 && rng.uniform() < opts.gtFirstFrameProb) k.fill(0, 0, batchSize);
  const eps = rng.fillNormal(new Float32Array(n * d), opts.clipNoise);
  const table = weightTable(schedule, opts);
  const signal = new Float32Array(n);
  const noise = new Float32Array(n);
  const weight = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const level = k[i]!;
    signal[i] = schedule.sqrtAlphaBar[level]!;
    noise[i] = schedule.sqrtOneMinusAlphaBar[level]!;
    weight[i] = table[level]! * opts.lossScale;
  }
  return { k, eps, signal, noise, weight };
}

/** Fills in the defaults and checks the values; throws a ConfigError listing every bad option. */
export function resolveLossOptions(
  model: DfModel,
  options: DiffusionForcingLossOptions,
): ResolvedLossOptions {
  const resolved: ResolvedLossOptions = {
    objective: options.objective ?? model.config.objective,
    weighting: options.weighting ?? 'constant',
    snrClip: options.snrClip ?? 5,
    lossScale: options.lossScale ?? 1,
    clipNoise: options.clipNoise ?? 20,
    gtFirstFrameProb: options.gtFirstFrameProb ?? 0,
    gtCondProb: options.gtCondProb ?? 0,
  };
  const issues: { path: string; message: string }[] = [];
  if (!['x0', 'eps', 'v'].includes(resolved.objective)) {
    issues.push({ path: 'objective', message: `must be x0, eps or v, got '${String(resolved.objective)}'` });
  }
  if (!['constant', 'min_snr'].includes(resolved.weighting)) {
    issues.push({
      path: 'weighting',
      message: `must be constant or min_snr, got '${String(resolved.weighting)}'`,
    });
  }
  const positive = (path: string, value: number): void => {
    if (!(Number.isFinite(value) && value > 0))
      issues.push({ path, message: `must be a positive number, got ${value}` });
  };
  positive('snrClip', resolved.snrClip);
  positive('lossScale', resolved.lossScale);
  positive('clipNoise', resolved.clipNoise);
  const probability = (path: string, value: number): void => {
    if (!(value >= 0 && value <= 1))
      issues.push({ path, message: `must be a probability in [0, 1], got ${value}` });
  };
  probability('gtFirstFrameProb', resolved.gtFirstFrameProb);
  probability('gtCondProb', resolved.gtCondProb);
  if (issues.length > 0) throw new ConfigError(issues);
  return resolved;
}

function weightTable(schedule: NoiseSchedule, opts: ResolvedLossOptions): Float64Array {
  let perSchedule = weightTables.get(schedule);
  if (perSchedule === undefined) {
    perSchedule = new Map();
    weightTables.set(schedule, perSchedule);
  }
  const key = `${opts.weighting}:${opts.objective}:${opts.snrClip}`;
  let table = perSchedule.get(key);
  if (table === undefined) {
    table = lossWeightTable(opts.weighting, opts.objective, schedule, opts.snrClip);
    perSchedule.set(key, table);
  }
  return table;
}

function checkBatch(model: DfModel, schedule: NoiseSchedule, batch: DiffusionForcingBatch): void {
  const { x0, mask } = batch;
  if (x0.rank !== 3) throw new InputError(`loss: x0 must be time-major [T, B, D], got [${x0.shape}]`);
  const [tCount, batchSize] = x0.shape;
  if (mask.rank !== 2 || mask.shape[0] !== tCount || mask.shape[1] !== batchSize) {
    throw new InputError(
      `loss: mask must be [${tCount}, ${batchSize}] like x0's first two axes, got [${mask.shape}]`,
    );
  }
  const { noise } = model.config;
  if (schedule.levels !== noise.levels || schedule.kind !== noise.schedule) {
    throw new ConfigError(
      `the noise schedule is ${schedule.kind} with ${schedule.levels} levels but the model was built for ` +
        `${noise.schedule} with ${noise.levels}; use noiseSchedule('${noise.schedule}', ${noise.levels})`,
      'schedule',
    );
  }
}
