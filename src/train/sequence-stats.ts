/**
 * Summary statistics of generated or recorded sequences, per step dimension: mean, standard deviation,
 * lag-1 autocorrelation (how smooth a sequence is from one env step to the next) and the largest |x|.
 * Used by the learning test, the demo and the model card to compare samples with data.
 *
 * Arrays here are env steps, batch-major [B, N, d] (N steps of d numbers per sequence); `tokensToSteps`
 * unpacks the model's time-major tokens [T, B, F·d] into that form.
 */
import { denormalizeSteps, type Normalization, stepSize, type TokenLayout } from '../tasks/token-layout.js';

export interface DimensionStats {
  readonly mean: number[];
  readonly std: number[];
  /** Σ (x_i − μ)(x_{i+1} − μ) / Σ (x_i − μ)², pooled over all sequences (μ the pooled mean). */
  readonly lag1: number[];
  readonly maxAbs: number[];
}

/** [T, B, F·d] time-major tokens → [B, T·F, d] batch-major env steps (optionally denormalised). */
export function tokensToSteps(
  tokens: ArrayLike<number>,
  layout: TokenLayout,
  batchSize: number,
  normalization?: Normalization,
): Float32Array {
  const d = stepSize(layout);
  const f = layout.frameStack;
  const tokenSize = d * f;
  const t = tokens.length / (batchSize * tokenSize);
  const out = new Float32Array(tokens.length);
  for (let ti = 0; ti < t; ti++) {
    for (let b = 0; b < batchSize; b++) {
      const src = (ti * batchSize + b) * tokenSize;
      const dst = (b * t * f + ti * f) * d;
      for (let k = 0; k < tokenSize; k++) out[dst + k] = tokens[src + k]!;
    }
  }
  return normalization ? denormalizeSteps(out, normalization, out) : out;
}

/** Per-dimension statistics of [B, N, d] steps. */
export function sequenceStats(steps: ArrayLike<number>, batchSize: number, d: number): DimensionStats {
  const n = steps.length / (batchSize * d);
  const mean: number[] = [];
  const std: number[] = [];
  const lag1: number[] = [];
  const maxAbs: number[] = [];
  for (let j = 0; j < d; j++) {
    let sum = 0;
    let big = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let i = 0; i < n; i++) {
        const v = steps[(b * n + i) * d + j]!;
        sum += v;
        big = Math.max(big, Math.abs(v));
      }
    }
    const mu = sum / (batchSize * n);
    let ss = 0;
    let cross = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let i = 0; i < n; i++) {
        const v = steps[(b * n + i) * d + j]! - mu;
        ss += v * v;
        if (i + 1 < n) cross += v * (steps[(b * n + i + 1) * d + j]! - mu);
      }
    }
    mean.push(mu);
    std.push(Math.sqrt(ss / (batchSize * n)));
    lag1.push(ss > 0 ? cross / ss : Number.NaN);
    maxAbs.push(Number.isNaN(sum) ? Number.NaN : big);
  }
  return { mean, std, lag1, maxAbs };
}
