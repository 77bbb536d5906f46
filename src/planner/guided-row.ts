/**
 * One denoising row with guidance, paper branch (reference diffusion-forcing.md §5.2, §5.4):
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
 */
import * as tf from '@tensorflow/tfjs';
import { denoiseRow, type RowResult, type SamplerContext } from '../diffusion/sampler.js';
import type { MatrixTransition } from '../math/index.js';

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
