/**
 * The Diffusion Forcing loss of src/diffusion/loss.ts over plain arrays, with its gradient with respect to the
 * head outputs, for the plain training engine. Same notation and the same draws (`drawLossNoise`):
 *
 *   x^k     = √ᾱ_k·x⁰ + √(1−ᾱ_k)·ε
 *   target  = x⁰ (x0) | ε (eps, outputs clamped to ±clipNoise first) | √ᾱ_k·ε − √(1−ᾱ_k)·x⁰ (v)
 *   loss    = Σ m·w·‖out − target‖² / denominator,   denominator = D · max(1, Σ m) over the WHOLE batch
 *   dL/dout = 2·m·w·(out − target) / denominator     (0 where an ε output was clamped)
 *
 * The denominator is passed in, so a shard of the batch (one worker's columns) gives its part of the loss and
 * of the gradient, and the parts add up to the whole batch's.
 */
import type { LossNoise } from '../diffusion/loss.js';
import type { Objective } from '../model/types.js';
import type { PlainGradients } from './plain-gradients.js';

/** One batch (or a shard of it) with its draws, time-major, rows n = t·B + b. */
export interface PlainLossBatch {
  readonly tokens: number;
  readonly batch: number;
  /** Clean tokens x⁰ [T·B·D]. */
  readonly x0: Float32Array;
  /** Validity [T·B]. */
  readonly mask: Float32Array;
  /** Normalised first observation [B·O], or null. */
  readonly firstObservation: Float32Array | null;
  readonly noise: LossNoise;
}

/** x^k for every token. */
export function noisyTokens(
  batch: PlainLossBatch,
  d: number,
  out: Float32Array = new Float32Array(batch.x0.length),
): Float32Array {
  const { x0, noise } = batch;
  const rows = batch.tokens * batch.batch;
  for (let r = 0; r < rows; r++) {
    // Each product rounded to float32 before the sum, as the tfjs reference computes it.
    const a = noise.signal[r]!;
    const s = noise.noise[r]!;
    for (let j = r * d; j < (r + 1) * d; j++)
      out[j] = Math.fround(a * x0[j]!) + Math.fround(s * noise.eps[j]!);
  }
  return out;
}

/** D·max(1, Σ mask) of a whole batch. */
export function lossDenominator(mask: Float32Array, d: number): number {
  let valid = 0;
  for (let i = 0; i < mask.length; i++) valid += mask[i]!;
  return d * Math.max(1, valid);
}

/** Loss part of `batch` (already divided by `denominator`); writes dL/dout into `dOut`. */
export function plainLossGradient(
  out: Float32Array,
  batch: PlainLossBatch,
  objective: Objective,
  clipNoise: number,
  denominator: number,
  dOut: Float32Array,
): number {
  const { x0, mask, noise } = batch;
  const d = x0.length / mask.length;
  const rows = mask.length;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const wm = noise.weight[r]! * mask[r]!;
    const a = noise.signal[r]!;
    const s = noise.noise[r]!;
    const scale = (2 * wm) / denominator;
    for (let j = r * d; j < (r + 1) * d; j++) {
      let o = out[j]!;
      let pass = 1;
      let target: number;
      switch (objective) {
        case 'x0':
          target = x0[j]!;
          break;
        case 'eps':
          target = noise.eps[j]!;
          // tfjs's clipByValue passes the gradient where min ≤ o ≤ max.
          if (o > clipNoise) {
            o = clipNoise;
            pass = 0;
          } else if (o < -clipNoise) {
            o = -clipNoise;
            pass = 0;
          }
          break;
        case 'v':
          target = a * noise.eps[j]! - s * x0[j]!;
          break;
      }
      const diff = o - target;
      total += wm * diff * diff;
      dOut[j] = scale * diff * pass;
    }
  }
  return total / denominator;
}

/** The columns b0 … b1−1 of a time-major [T, B, width] array. */
export function batchColumns(
  values: Float32Array,
  tokens: number,
  batch: number,
  width: number,
  b0: number,
  b1: number,
): Float32Array {
  const cols = b1 - b0;
  const out = new Float32Array(tokens * cols * width);
  for (let t = 0; t < tokens; t++) {
    out.set(values.subarray((t * batch + b0) * width, (t * batch + b1) * width), t * cols * width);
  }
  return out;
}

/** The batch columns b0 … b1−1 of a whole batch and its draws (a worker's shard). */
export function shardOf(
  batch: PlainLossBatch,
  d: number,
  obs: number,
  b0: number,
  b1: number,
): PlainLossBatch {
  const { tokens: t, batch: b, noise } = batch;
  const cols = (v: Float32Array, width: number) => batchColumns(v, t, b, width, b0, b1);
  return {
    tokens: t,
    batch: b1 - b0,
    x0: cols(batch.x0, d),
    mask: cols(batch.mask, 1),
    firstObservation:
      batch.firstObservation === null ? null : batch.firstObservation.slice(b0 * obs, b1 * obs),
    noise: {
      k: Int32Array.from(cols(Float32Array.from(noise.k), 1)),
      eps: cols(noise.eps, d),
      signal: cols(noise.signal, 1),
      noise: cols(noise.noise, 1),
      weight: cols(noise.weight, 1),
    },
  };
}

/**
 * Loss part and gradients of one batch (or shard) on `trainer`, whose weights must be current. The gradients
 * are left in `trainer.gradient(name)`.
 */
export function shardGradients(
  trainer: PlainGradients,
  shard: PlainLossBatch,
  objective: 'x0' | 'eps' | 'v',
  clipNoise: number,
  denominator: number,
): number {
  const d = trainer.tokenSize;
  const out = trainer.forward({
    tokens: shard.tokens,
    batch: shard.batch,
    xNoisy: noisyTokens(shard, d, trainer.scratch('xNoisy', shard.x0.length)),
    levels: shard.noise.k,
    firstObservation: shard.firstObservation,
  });
  const dOut = trainer.scratch('dOut', out.length);
  const loss = plainLossGradient(out, shard, objective, clipNoise, denominator, dOut);
  trainer.backward(dOut);
  return loss;
}
