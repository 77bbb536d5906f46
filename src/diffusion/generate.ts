/**
 * Long rollouts by chunks (docs/diffusion-forcing.md §4.4–§4.6): sample a chunk of tokens with the
 * sampler, continue from its `zFinal` (the latent after the chunk's finished tokens, fed at the
 * stabilisation level), and repeat until `totalTokens` exist. With chunkTokens = 1 and an autoregressive
 * matrix this is the paper's video-style infinite rollout; with chunkTokens = totalTokens it is one sample.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import {
  createRng,
  type NoiseSchedule,
  type SchedulingMatrixOptions,
  schedulingMatrix,
} from '../math/index.js';
import type { DfModel } from '../model/types.js';
import { type SampleOptions, sample } from './sampler.js';

export interface GenerateOptions extends Omit<SampleOptions, 'matrix' | 'initialTokens' | 'finalLatent'> {
  /** Tokens to produce in all. */
  readonly totalTokens: number;
  /** Tokens per chunk (the last chunk may be shorter); default totalTokens. */
  readonly chunkTokens?: number;
  /** How each chunk's matrix is built: mode, DDIM steps S and uncertainty u (its horizon is the chunk size). */
  readonly scheduling: Omit<SchedulingMatrixOptions, 'horizon'>;
}

export interface GenerateResult {
  /** Clean normalised tokens [totalTokens, B, D]. */
  readonly tokens: tf.Tensor3D;
  /** Latent after the last token, to continue further. */
  readonly zFinal: tf.Tensor2D;
}

export function generate(model: DfModel, schedule: NoiseSchedule, options: GenerateOptions): GenerateResult {
  const { totalTokens } = options;
  const chunkTokens = options.chunkTokens ?? totalTokens;
  if (!Number.isInteger(totalTokens) || totalTokens < 1) {
    throw new ConfigError(`totalTokens must be a whole number ≥ 1, got ${totalTokens}`, 'totalTokens');
  }
  if (!Number.isInteger(chunkTokens) || chunkTokens < 1) {
    throw new ConfigError(`chunkTokens must be a whole number ≥ 1, got ${chunkTokens}`, 'chunkTokens');
  }
  // One stream for all chunks, so a seed fixes the whole rollout.
  const rng = options.rng ?? createRng(options.seed ?? 0);
  const chunks: tf.Tensor3D[] = [];
  let z = tf.clone(options.z0);
  try {
    for (let done = 0; done < totalTokens; ) {
      const horizon = Math.min(chunkTokens, totalTokens - done);
      const matrix = schedulingMatrix({ ...options.scheduling, horizon });
      const result = sample(model, schedule, { ...options, z0: z, matrix, rng, finalLatent: true });
      chunks.push(result.tokens);
      z.dispose();
      z = result.zFinal!;
      done += horizon;
    }
    const tokens = chunks.length === 1 ? chunks[0]! : (tf.concat(chunks, 0) as tf.Tensor3D);
    if (chunks.length > 1) tf.dispose(chunks);
    return { tokens, zFinal: z };
  } catch (error) {
    tf.dispose(chunks);
    z.dispose();
    throw error;
  }
}
