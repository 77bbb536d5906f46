/**
 * Algorithm 2 of Diffusion Forcing: denoise H tokens row by row through a scheduling matrix 𝒦
 * (docs/diffusion-forcing.md §4.1, §4.3–§4.5).
 *
 * Notation (time-major tokens x [H, B, D], normalised):
 *   m           transition m → m+1 of 𝒦 (rows are matrix levels, S = noise … 0 = clean)
 *   τ_t, τ′_t   real levels of token t before/after the transition (K−1 … 0; −1 = clean)
 *   s           stabilisation level: the label finished tokens are fed at (default: the last DDIM level,
 *               19 for S = 50), so the network never sees generated tokens at k = 0
 *   x̃_t         the network input: x_t for τ_t ≥ 0; for finished tokens x_t ('label'), √ᾱ_s·x_t ('scale') or
 *               √ᾱ_s·x_t + √(1−ᾱ_s)·w ('noise', fresh clamped noise per row)
 *   out         model.rollout(z₀, x̃, label).out, re-run from z₀ over all H tokens every row (each token's
 *               latent comes from its input at its current level, the "+1 row")
 *   x̂₀, ε̂       from out per objective (x0: x̂₀ = out; eps: ε̂ = out clamped; v: x̂₀ = √ᾱ·x − √(1−ᾱ)·v̂)
 *   x′_t        √ᾱ_τ′·x̂₀ + c·ε̂ + σ·w (DDIM, η; x̂₀ when τ′ = −1) if τ′ < τ, else x_t (copied: noise stays
 *               noise, clean stays clean)
 *   zFinal      latent after one extra pass over the finished tokens (all fed at s): where a rollout
 *               continues past this chunk
 * Each cell call is one token of one rollout: (M−1)·H per sample, plus H for the extra pass.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors.js';
import {
  alphaBarAt,
  createRng,
  ddimStepCoefficients,
  type MatrixTransition,
  matrixTransitions,
  type NoiseSchedule,
  type Rng,
  type SchedulingMatrix,
  stabilizationLevel,
  validateSchedulingMatrix,
} from '../math/index.js';
import type { DfModel, Objective } from '../model/types.js';
import { tokenSize } from '../tasks/token-layout.js';

export type StabilizationMode = 'label' | 'scale' | 'noise';

export interface Stabilization {
  /** Level finished tokens are fed at (0 … K−1); default: the last noisy DDIM level of the matrix's S. */
  readonly level?: number;
  /**
   * 'label' (paper branch, default): feed the clean token, labelled `level`. 'scale': feed √ᾱ·x (main-branch
   * fix "important for infinite rollout"). 'noise': feed q_sample(x, level) with fresh noise (main branch now).
   */
  readonly mode?: StabilizationMode;
}

export interface SampleOptions {
  /** Initial latent [B, z] (posterior of the context, or `model.initialLatent`). */
  readonly z0: tf.Tensor2D;
  /** Scheduling matrix (from `schedulingMatrix`, or user rows checked by `validateSchedulingMatrix`). */
  readonly matrix: SchedulingMatrix;
  /** DDIM η: 0 (default) deterministic, 1 DDPM-like. */
  readonly eta?: number;
  /** Random stream for the initial noise, η-noise and 'noise' stabilisation; default createRng(seed ?? 0). */
  readonly rng?: Rng;
  readonly seed?: number;
  /** All Gaussian noise is clamped to ±clipNoise (default 20). */
  readonly clipNoise?: number;
  readonly stabilization?: Stabilization;
  /** Starting tokens [H, B, D] at the first row's level (pure noise); default: N(0, I) from the rng. */
  readonly initialTokens?: tf.Tensor3D;
  /** Run the extra pass that yields `zFinal` (default true). Planning that re-encodes each plan can skip it. */
  readonly finalLatent?: boolean;
}

export interface SampleResult {
  /** Clean normalised tokens [H, B, D]. */
  readonly tokens: tf.Tensor3D;
  /** Latent after all H finished tokens [B, z]; null when `finalLatent` is false. */
  readonly zFinal: tf.Tensor2D | null;
}

/** Everything a row needs that does not change between rows. */
export interface SamplerContext {
  readonly model: DfModel;
  readonly schedule: NoiseSchedule;
  readonly objective: Objective;
  readonly z0: tf.Tensor2D;
  readonly horizon: number;
  readonly batch: number;
  readonly tokenSize: number;
  readonly eta: number;
  readonly rng: Rng;
  readonly clipNoise: number;
  readonly stabilizationLevel: number;
  readonly stabilizationMode: StabilizationMode;
}

export interface RowResult {
  /** Tokens after the transition [H, B, D]. */
  readonly x: tf.Tensor3D;
  /** The network's clean estimate of every token this row [H, B, D] (finished tokens: their value). */
  readonly x0Hat: tf.Tensor3D;
}

/** Samples H clean tokens given z₀ by running every transition of the matrix, then the extra pass. */
export function sample(model: DfModel, schedule: NoiseSchedule, options: SampleOptions): SampleResult {
  const context = samplerContext(model, schedule, options);
  const transitions = matrixTransitions(options.matrix, schedule.levels);
  const { horizon, batch, tokenSize } = context;
  let x: tf.Tensor3D;
  if (options.initialTokens !== undefined) {
    const shape = options.initialTokens.shape;
    if (shape.length !== 3 || shape[0] !== horizon || shape[1] !== batch || shape[2] !== tokenSize) {
      throw new InputError(
        `sample: initialTokens must be [${horizon}, ${batch}, ${tokenSize}], got [${shape}]`,
      );
    }
    x = tf.clone(options.initialTokens);
  } else {
    const noise = context.rng.fillNormal(new Float32Array(horizon * batch * tokenSize), context.clipNoise);
    x = tf.tensor3d(noise, [horizon, batch, tokenSize]);
  }
  for (const transition of transitions) {
    const next = tf.tidy(() => {
      const row = denoiseRow(context, x, transition);
      row.x0Hat.dispose();
      return row.x;
    });
    x.dispose();
    x = next;
  }
  const zFinal = options.finalLatent === false ? null : finalLatent(context, x);
  return { tokens: x, zFinal };
}

/** Resolves and checks the options shared by every row. */
export function samplerContext(
  model: DfModel,
  schedule: NoiseSchedule,
  options: SampleOptions,
): SamplerContext {
  const { noise } = model.config;
  if (schedule.levels !== noise.levels || schedule.kind !== noise.schedule) {
    throw new ConfigError(
      `the noise schedule is ${schedule.kind} with ${schedule.levels} levels but the model was trained with ` +
        `${noise.schedule} and ${noise.levels}; use noiseSchedule('${noise.schedule}', ${noise.levels})`,
      'schedule',
    );
  }
  const matrix = options.matrix;
  if (matrix.mode === 'custom') validateSchedulingMatrix(matrix.rows, matrix.steps);
  const { z0 } = options;
  const z = model.config.latentSize;
  if (z0.rank !== 2 || z0.shape[1] !== z) {
    throw new InputError(`sample: z0 must be [B, ${z}], got [${z0.shape}]`);
  }
  const eta = options.eta ?? 0;
  if (!(eta >= 0 && eta <= 1)) throw new ConfigError(`eta must be in [0, 1], got ${eta}`, 'eta');
  const clipNoise = options.clipNoise ?? 20;
  if (!(clipNoise > 0))
    throw new ConfigError(`clipNoise must be a positive number, got ${clipNoise}`, 'clipNoise');
  const level = options.stabilization?.level ?? stabilizationLevel(matrix.steps, schedule.levels);
  if (!Number.isInteger(level) || level < 0 || level >= schedule.levels) {
    throw new ConfigError(
      `the stabilisation level must be a whole number from 0 to ${schedule.levels - 1}, got ${level}`,
      'stabilization.level',
    );
  }
  const mode = options.stabilization?.mode ?? 'label';
  if (!['label', 'scale', 'noise'].includes(mode)) {
    throw new ConfigError(
      `stabilization mode must be label, scale or noise, got '${String(mode)}'`,
      'stabilization.mode',
    );
  }
  return {
    model,
    schedule,
    objective: model.config.objective,
    z0,
    horizon: matrix.horizon,
    batch: z0.shape[0],
    tokenSize: tokenSize(model.config.layout),
    eta,
    rng: options.rng ?? createRng(options.seed ?? 0),
    clipNoise,
    stabilizationLevel: level,
    stabilizationMode: mode,
  };
}

/**
 * One transition of the matrix: run the chain from z₀ over all tokens at their current levels, then move
 * each token to its next level (or copy it). Call inside tf.tidy; `x` is not disposed.
 */
export function denoiseRow(context: SamplerContext, x: tf.Tensor3D, transition: MatrixTransition): RowResult {
  const { horizon, batch, objective } = context;
  const { fromLevel } = transition;
  const { p0, q0, px, qx, sigma, anyNoise } = rowCoefficients(context, transition);

  const input = networkInput(context, x, fromLevel);
  const labels = new Int32Array(horizon * batch);
  for (let t = 0; t < horizon; t++) {
    const from = fromLevel[t]!;
    labels.fill(from === -1 ? context.stabilizationLevel : from, t * batch, (t + 1) * batch);
  }
  let out = context.model.rollout(context.z0, input, tf.tensor2d(labels, [horizon, batch], 'int32')).out;
  if (objective === 'eps') out = tf.clipByValue(out, -context.clipNoise, context.clipNoise);
  const perToken = (values: Float32Array): tf.Tensor3D => tf.tensor3d(values, [horizon, 1, 1]);
  // Coefficients apply to the token's value at its current level (the unstabilised x).
  const x0Hat = tf.add(tf.mul(perToken(p0), x), tf.mul(perToken(q0), out)) as tf.Tensor3D;
  let next = tf.add(tf.mul(perToken(px), x), tf.mul(perToken(qx), out)) as tf.Tensor3D;
  if (anyNoise) {
    const w = tokenNoise(context, (t) => sigma[t]! > 0);
    next = tf.add(next, tf.mul(perToken(sigma), tf.tensor3d(w, x.shape))) as tf.Tensor3D;
  }
  return { x: next, x0Hat };
}

/** Per-token linear coefficients of one row (each [H]): x̂₀ = p0·x + q0·out, x′ = px·x + qx·out + σ·w. */
export interface RowCoefficients {
  readonly p0: Float32Array;
  readonly q0: Float32Array;
  readonly px: Float32Array;
  readonly qx: Float32Array;
  readonly sigma: Float32Array;
  /** Some σ > 0 (the row draws noise). */
  readonly anyNoise: boolean;
}

/**
 * The coefficients `denoiseRow` applies, computed in float64 and stored as float32 (also used by planners
 * that run the network outside tfjs, so both paths share them).
 */
export function rowCoefficients(context: SamplerContext, transition: MatrixTransition): RowCoefficients {
  const { horizon, schedule, objective, eta } = context;
  const { fromLevel, toLevel } = transition;
  const p0 = new Float32Array(horizon);
  const q0 = new Float32Array(horizon);
  const px = new Float32Array(horizon);
  const qx = new Float32Array(horizon);
  const sigma = new Float32Array(horizon);
  let anyNoise = false;
  for (let t = 0; t < horizon; t++) {
    const from = fromLevel[t]!;
    const to = toLevel[t]!;
    if (from === -1) {
      // Finished: its value is its clean estimate; it only feeds the latent chain.
      p0[t] = 1;
      px[t] = 1;
      continue;
    }
    const a = Math.sqrt(alphaBarAt(schedule, from));
    const s = Math.sqrt(1 - alphaBarAt(schedule, from));
    // x̂₀ = P0·x + Q0·out and ε̂ = P1·x + Q1·out, per objective.
    let pX0: number;
    let qX0: number;
    let pEps: number;
    let qEps: number;
    switch (objective) {
      case 'x0':
        [pX0, qX0, pEps, qEps] = [0, 1, 1 / s, -a / s];
        break;
      case 'eps':
        [pX0, qX0, pEps, qEps] = [1 / a, -s / a, 0, 1];
        break;
      case 'v':
        [pX0, qX0, pEps, qEps] = [a, -s, s, a];
        break;
    }
    p0[t] = pX0;
    q0[t] = qX0;
    if (to === from) {
      px[t] = 1; // keeps its level: copied (pure noise stays the same noise)
      continue;
    }
    const c = ddimStepCoefficients(schedule, from, to, eta);
    px[t] = c.sqrtAlphaBarNext * pX0 + c.c * pEps;
    qx[t] = c.sqrtAlphaBarNext * qX0 + c.c * qEps;
    sigma[t] = c.sigma;
    if (c.sigma > 0) anyNoise = true;
  }
  return { p0, q0, px, qx, sigma, anyNoise };
}

/** The extra pass: every token is finished and fed at the stabilisation level; returns the last latent. */
function finalLatent(context: SamplerContext, x: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const { horizon, batch } = context;
    const clean = new Int32Array(horizon).fill(-1);
    const labels = new Int32Array(horizon * batch).fill(context.stabilizationLevel);
    const input = networkInput(context, x, clean);
    const { out, zLast } = context.model.rollout(
      context.z0,
      input,
      tf.tensor2d(labels, [horizon, batch], 'int32'),
    );
    out.dispose();
    return zLast;
  });
}

/** x̃: tokens as the network sees them; finished tokens (level −1) get the stabilisation treatment. */
function networkInput(context: SamplerContext, x: tf.Tensor3D, fromLevel: Int32Array): tf.Tensor3D {
  const { horizon, stabilizationMode, schedule } = context;
  if (stabilizationMode === 'label' || !fromLevel.includes(-1)) return x;
  const ab = alphaBarAt(schedule, context.stabilizationLevel);
  const scale = new Float32Array(horizon).fill(1);
  const noiseScale = new Float32Array(horizon);
  for (let t = 0; t < horizon; t++) {
    if (fromLevel[t] !== -1) continue;
    scale[t] = Math.sqrt(ab);
    noiseScale[t] = Math.sqrt(1 - ab);
  }
  const scaled = tf.mul(tf.tensor3d(scale, [horizon, 1, 1]), x) as tf.Tensor3D;
  if (stabilizationMode === 'scale') return scaled;
  const w = tokenNoise(context, (t) => fromLevel[t] === -1);
  return tf.add(
    scaled,
    tf.mul(tf.tensor3d(noiseScale, [horizon, 1, 1]), tf.tensor3d(w, x.shape)),
  ) as tf.Tensor3D;
}

/** Clamped N(0, I) for the tokens `wanted` selects (zeros elsewhere), drawn in token order. */
export function tokenNoise(context: SamplerContext, wanted: (t: number) => boolean): Float32Array {
  const block = context.batch * context.tokenSize;
  const out = new Float32Array(context.horizon * block);
  for (let t = 0; t < context.horizon; t++) {
    if (wanted(t)) context.rng.fillNormal(out.subarray(t * block, (t + 1) * block), context.clipNoise);
  }
  return out;
}
