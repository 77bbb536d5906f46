/**
 * One denoising row with guidance, paper branch (docs/diffusion-forcing.md §5.2, §5.4):
 *
 *   x̂₀      clean estimate of every token from one rollout of the row (sampler's denoiseRow, time-major,
 *           batched over the B = R Monte Carlo samples)
 *   J       mean over samples of objective.score([finished prefix, x̂₀])   (the prefix is constant)
 *   ∇       ∂J/∂x: gradient with respect to the row's noisy input tokens, through the latent chain, so the
 *           cost of far tokens pushes on near ones. Each sample's gradient is (1/B)·∇J_b; their sum over the
 *           batch is the average gradient (MCG: expected future cost) and is applied to every sample
 *   x′      DDIM(x) + gain_t · ∇,  gain_t = s · g_t, g_t = paperGuidanceGain of the move token t just made
 *           (0 for finished tokens, tokens that keep their level and the final move to clean)
 *
 * The caller puts the model in 'frozen' gradient mode (input gradients only) and wraps the call in tf.tidy.
 *
 * `plainRow` is the same row (guided or not) with the network in Float32Arrays (src/model/plain-network.ts):
 * the rollout and ∂/∂x through it run there, and ∂J/∂x̂₀ comes from the objective's plain form (its
 * analytic gradient on Float32Arrays) or, for an objective without one, from tf.grad of J over [p + Ha, B, D]. The chain rule through x̂₀ = p0·x + q0·out (out clamped for ε models) gives
 *
 *   ∂J/∂x = p0 ⊙ ∂J/∂x̂₀ + backward_net(q0 ⊙ ∂J/∂x̂₀)
 *
 * and the update, the coefficients (rowCoefficients) and the noise draws (tokenNoise, same order) are the
 * tfjs row's, so both paths agree to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import {
  denoiseRow,
  type RowResult,
  rowCoefficients,
  type SamplerContext,
  tokenNoise,
} from '../diffusion/sampler.js';
import type { MatrixTransition } from '../math/index.js';
import type { PlainNetwork } from '../model/plain-network.js';
import { batchPass } from '../model/plain-network-split.js';

export interface GuidedRowOptions {
  /** Sampler context of the active tokens: z0 is the latent after the finished prefix, horizon their count. */
  readonly context: SamplerContext;
  /** Active tokens at their current levels [Ha, B, D] (not disposed). */
  readonly x: tf.Tensor3D;
  /** Their transition (levels sliced to the active tokens). */
  readonly transition: MatrixTransition;
  /** Finished tokens before the active ones [p, B, D], or null when there are none. */
  readonly prefix: tf.Tensor3D | null;
  /** J per sample of a whole plan [p + Ha, B, D] → [B]. */
  readonly score: (x0Hat: tf.Tensor3D) => tf.Tensor1D;
  /** gain_t = s·g_t per active token. */
  readonly gains: Float32Array;
}

export interface GuidedRowResult extends RowResult {
  /** x′ of the active tokens [Ha, B, D]; x0Hat covers the prefix too [p + Ha, B, D]. */
  readonly x: tf.Tensor3D;
  readonly x0Hat: tf.Tensor3D;
}

export function guidedRow(options: GuidedRowOptions): GuidedRowResult {
  const { context, x, transition, prefix, score, gains } = options;
  let kept: RowResult | null = null;
  const objective = (input: tf.Tensor3D): tf.Scalar => {
    const row = denoiseRow(context, input, transition);
    // tf.valueAndGrad frees everything its function made except the value: keep the row's outputs.
    kept = { x: tf.keep(row.x), x0Hat: tf.keep(row.x0Hat) };
    const plan = prefix === null ? row.x0Hat : (tf.concat([prefix, row.x0Hat], 0) as tf.Tensor3D);
    return tf.mean(score(plan));
  };
  let grad: tf.Tensor3D;
  try {
    grad = tf.valueAndGrad(objective)(x).grad;
  } catch (error) {
    // tfjs itself keeps the tape's saved tensors when the function throws (a few per op), so callers check
    // everything an objective could refuse before the tape runs (the agent calls objective.check first).
    const partial = kept as RowResult | null;
    if (partial !== null) tf.dispose([partial.x, partial.x0Hat]);
    throw error;
  }
  const row = kept as RowResult | null;
  if (row === null) throw new Error('internal: the guided row did not run its objective');
  try {
    const average = context.batch > 1 ? tf.sum(grad, 1, true) : grad;
    const step = tf.mul(tf.tensor3d(gains, [gains.length, 1, 1]), average);
    const next = tf.add(row.x, step) as tf.Tensor3D;
    const x0Hat = (prefix === null ? tf.clone(row.x0Hat) : tf.concat([prefix, row.x0Hat], 0)) as tf.Tensor3D;
    return { x: next, x0Hat };
  } finally {
    row.x.dispose();
    row.x0Hat.dispose();
  }
}

export interface PlainRowOptions {
  /** Float32Array copy of the context's model. */
  readonly net: PlainNetwork;
  /** Sampler context of the active tokens (horizon = their count); its z0 and model are not read. */
  readonly context: SamplerContext;
  /** Latent after the finished prefix [B·z]. */
  readonly z0: Float32Array;
  /** Active tokens at their current levels [Ha·B·D] (not modified). */
  readonly x: Float32Array;
  /** Their transition (levels sliced to the active tokens). */
  readonly transition: MatrixTransition;
  /** Finished tokens before the active ones [p·B·D], or null when there are none. */
  readonly prefix: Float32Array | null;
  /** Guidance (J per sample of the whole plan [p + Ha, B, D] → [B], and gain_t per active token), or null. */
  readonly guidance: {
    readonly score: (x0Hat: tf.Tensor3D) => tf.Tensor1D;
    /** The objective's plain gradient bound to its context; null: tf.grad of `score`. */
    readonly plainGradient: PlainGradient | null;
    readonly gains: Float32Array;
  } | null;
  /** Whether the caller reads x̂₀ (guided rows form it anyway). */
  readonly estimate: boolean;
}

/**
 * grad ← weight · ∂(Σ_b J_b)/∂x̂₀ for tokens from … horizon − 1 of a whole plan [horizon·B·D] (an objective's
 * `plain.gradient` with its context bound).
 */
export type PlainGradient = (
  plan: Float32Array,
  horizon: number,
  batch: number,
  weight: number,
  from: number,
  grad: Float32Array,
) => void;

export interface PlainRowResult {
  /** x′ of the active tokens [Ha·B·D]. */
  readonly x: Float32Array;
  /** x̂₀ of the active tokens [Ha·B·D] (not the prefix), or null when neither asked for nor guided. */
  readonly x0Hat: Float32Array | null;
}

/** One row, guided or not, with the plain network (see the header). Makes no lasting tensors. */
export function plainRow(options: PlainRowOptions): PlainRowResult {
  const { net, context, z0, x, transition, prefix, guidance } = options;
  const { horizon: ha, batch: b, tokenSize: d, objective, clipNoise } = context;
  const block = b * d;
  const { p0, q0, px, qx, sigma, anyNoise } = rowCoefficients(context, transition);
  const labels = new Int32Array(ha * b);
  for (let t = 0; t < ha; t++) {
    const from = transition.fromLevel[t]!;
    labels.fill(from === -1 ? context.stabilizationLevel : from, t * b, (t + 1) * b);
  }
  // The batch may be split across both cores (plain-network-split.ts); the numbers are the same either way.
  const forward = batchPass(net, z0, x, labels, guidance !== null);
  let out = forward.out;
  if (objective === 'eps') {
    // As the tfjs row: ε̂ clamped to ±clipNoise (its gradient is 0 where the clamp is active).
    out = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(forward.out[i]!, -clipNoise), clipNoise);
  }
  let x0Hat: Float32Array | null = null;
  if (guidance !== null || options.estimate) {
    x0Hat = new Float32Array(ha * block);
    for (let t = 0; t < ha; t++) {
      const p = p0[t]!;
      const q = q0[t]!;
      for (let i = t * block; i < (t + 1) * block; i++) x0Hat[i] = p * x[i]! + q * out[i]!;
    }
  }
  // Σ_b ∂J/∂x per token [Ha·D]: J is the mean over samples, so this is the average gradient (MCG).
  let average: Float32Array | null = null;
  if (guidance !== null) {
    const gradient =
      guidance.plainGradient === null
        ? objectiveGradient(guidance.score, prefix, x0Hat!, ha, b, d)
        : plainObjectiveGradient(guidance.plainGradient, prefix, x0Hat!, ha, b, d);
    const dOut = new Float32Array(ha * block);
    for (let t = 0; t < ha; t++) {
      const q = q0[t]!;
      for (let i = t * block; i < (t + 1) * block; i++) dOut[i] = q * gradient[i]!;
    }
    if (objective === 'eps') {
      for (let i = 0; i < dOut.length; i++) if (Math.abs(forward.out[i]!) > clipNoise) dOut[i] = 0;
    }
    // Only tokens with a non-zero gain take a guidance step: the backward pass stops at the first of them.
    let first = 0;
    while (first < ha && guidance.gains[first] === 0) first++;
    const dX = forward.backward(dOut, first);
    average = new Float32Array(ha * d);
    for (let t = 0; t < ha; t++) {
      const p = p0[t]!;
      for (let s = 0; s < b; s++) {
        const row = (t * b + s) * d;
        for (let i = 0; i < d; i++)
          average[t * d + i] = average[t * d + i]! + p * gradient[row + i]! + dX[row + i]!;
      }
    }
  }
  const w = anyNoise ? tokenNoise(context, (t) => sigma[t]! > 0) : null;
  const next = new Float32Array(ha * block);
  for (let t = 0; t < ha; t++) {
    const a = px[t]!;
    const c = qx[t]!;
    const sg = sigma[t]!;
    const gain = guidance === null ? 0 : guidance.gains[t]!;
    for (let s = 0; s < b; s++) {
      const row = (t * b + s) * d;
      for (let i = 0; i < d; i++) {
        let v = a * x[row + i]! + c * out[row + i]!;
        if (w !== null) v += sg * w[row + i]!;
        if (average !== null) v += gain * average[t * d + i]!;
        next[row + i] = v;
      }
    }
  }
  return { x: next, x0Hat };
}

/** `objectiveGradient` from the objective's plain form. */
function plainObjectiveGradient(
  gradient: PlainGradient,
  prefix: Float32Array | null,
  x0Hat: Float32Array,
  ha: number,
  b: number,
  d: number,
): Float32Array {
  const p = prefix === null ? 0 : prefix.length / (b * d);
  let plan = x0Hat;
  if (prefix !== null) {
    plan = new Float32Array(prefix.length + x0Hat.length);
    plan.set(prefix);
    plan.set(x0Hat, prefix.length);
  }
  const grad = new Float32Array(ha * b * d);
  gradient(plan, p + ha, b, 1 / b, p, grad);
  return grad;
}

/** ∂ mean_b J_b / ∂x̂₀ for the active tokens [Ha·B·D], J of the whole plan [prefix, x̂₀]. */
function objectiveGradient(
  score: (x0Hat: tf.Tensor3D) => tf.Tensor1D,
  prefix: Float32Array | null,
  x0Hat: Float32Array,
  ha: number,
  b: number,
  d: number,
): Float32Array {
  // The tidy returns the tensor, not its values: tf.tidy walks a returned typed array element by element.
  const grad = tf.tidy(() => {
    const estimate = tf.tensor3d(x0Hat, [ha, b, d]);
    const before = prefix === null ? null : tf.tensor3d(prefix, [prefix.length / (b * d), b, d]);
    return tf.grad((v: tf.Tensor) =>
      tf.mean(score(before === null ? (v as tf.Tensor3D) : (tf.concat([before, v], 0) as tf.Tensor3D))),
    )(estimate);
  });
  try {
    return grad.dataSync() as Float32Array;
  } finally {
    grad.dispose();
  }
}
