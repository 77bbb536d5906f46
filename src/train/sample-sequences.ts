/**
 * Sampling as the tools use it (`sample`, `demo`, the learning test, `bench sample`): z₀ from the model (learned,
 * or encoded from a first observation), Algorithm 2 through a scheduling matrix, optionally continued chunk by
 * chunk from each chunk's zFinal (stabilised long rollouts), read back as plain arrays — normalised tokens and
 * denormalised env steps — with the timing and the number of cell calls.
 */
import * as tf from '@tensorflow/tfjs';
import { generate } from '../diffusion/generate.js';
import type { Stabilization } from '../diffusion/sampler.js';
import { ConfigError, InputError } from '../errors.js';
import { noiseSchedule } from '../math/noise-schedule.js';
import { createRng } from '../math/rng.js';
import { type ScheduleMode, schedulingMatrix } from '../math/scheduling-matrix.js';
import type { DfModel } from '../model/types.js';
import type { SequenceDataset } from '../tasks/sequence-dataset.js';
import { observationSize, stepSize, type TokenLayout } from '../tasks/token-layout.js';
import { tokensToSteps } from './sequence-stats.js';

export interface SampleSequencesOptions {
  readonly batch: number;
  /** H: tokens per chunk (one pyramid). */
  readonly horizon: number;
  /** Chunks generated one after the other, each from the previous zFinal (default 1). */
  readonly chunks?: number;
  readonly mode?: ScheduleMode;
  /** S: DDIM steps. */
  readonly steps?: number;
  /** u: pyramid/trapezoid delay between tokens. */
  readonly uncertainty?: number;
  readonly eta?: number;
  readonly seed?: number;
  readonly stabilization?: Stabilization;
  /** Normalised first observation: [obs] (shared by the batch) or [B·obs]; needed by encoder models. */
  readonly firstObservation?: Float32Array | null;
}

export interface SampledSequences {
  /** Normalised tokens, time-major [H·chunks, B, D]. */
  readonly tokens: Float32Array;
  /** Denormalised env steps, batch-major [B, H·chunks·F, stepSize]. */
  readonly steps: Float32Array;
  readonly totalTokens: number;
  /** Wall time of the whole rollout (all chunks), ms. */
  readonly ms: number;
  /** Network cell evaluations per sequence: rows·H per chunk (every row re-runs the chain, plus the zFinal pass). */
  readonly cellCalls: number;
}

/** Samples `batch` sequences of `horizon × chunks` tokens from `model`. */
export async function sampleSequences(
  model: DfModel,
  options: SampleSequencesOptions,
): Promise<SampledSequences> {
  const cfg = model.config;
  const chunks = options.chunks ?? 1;
  const b = options.batch;
  if (!Number.isInteger(chunks) || chunks < 1)
    throw new ConfigError(`chunks must be a whole number ≥ 1, got ${chunks}`, 'chunks');
  const scheduling = {
    mode: options.mode ?? 'pyramid',
    steps: options.steps ?? 50,
    uncertainty: options.uncertainty ?? 1,
  };
  // Build one matrix up front: it validates S/H/u with clear messages and gives the cell-call count.
  const matrix = schedulingMatrix({ ...scheduling, horizon: options.horizon });
  const schedule = noiseSchedule(cfg.noise.schedule, cfg.noise.levels);
  const obs = observationSize(cfg.layout);
  let first: Float32Array | null = null;
  if (cfg.initLatent === 'encoder') {
    const given = options.firstObservation;
    if (!given) {
      throw new InputError(
        'this model starts from an observation (initLatent encoder); pass a first observation (--observation)',
      );
    }
    if (given.length === obs) {
      first = new Float32Array(b * obs);
      for (let i = 0; i < b; i++) first.set(given, i * obs);
    } else if (given.length === b * obs) first = given;
    else {
      throw new InputError(
        `the first observation needs ${obs} numbers (or ${b}×${obs}), got ${given.length}`,
      );
    }
  }
  const t0 = performance.now();
  const rng = createRng(options.seed ?? 0);
  const z0 = tf.tidy(() => model.initialLatent(first ? tf.tensor2d(first, [b, obs]) : null, b));
  let result: { tokens: tf.Tensor3D; zFinal: tf.Tensor2D };
  try {
    result = generate(model, schedule, {
      z0,
      rng,
      totalTokens: options.horizon * chunks,
      chunkTokens: options.horizon,
      scheduling,
      ...(options.eta !== undefined ? { eta: options.eta } : {}),
      ...(options.stabilization ? { stabilization: options.stabilization } : {}),
    });
  } finally {
    z0.dispose();
  }
  const { tokens, zFinal } = result;
  const values = (await tokens.data()) as Float32Array;
  const ms = performance.now() - t0;
  tokens.dispose();
  zFinal.dispose();
  return {
    tokens: values,
    steps: tokensToSteps(values, cfg.layout, b, cfg.normalization),
    totalTokens: options.horizon * chunks,
    ms,
    cellCalls: matrix.rows.length * options.horizon * chunks,
  };
}

/** Env steps of real data windows, denormalised [B, tokens·F, stepSize] (the first observation left out). */
export function referenceSteps(
  dataset: SequenceDataset,
  batch: number,
  tokens: number,
  seed: number,
): Float32Array {
  const { x0 } = dataset.sampleBatch(batch, tokens, createRng(seed));
  return tokensToSteps(x0, dataset.layout, batch, dataset.normalization);
}

/** Human names of the step dimensions, e.g. ['position x', 'position y', 'velocity x', 'velocity y']. */
export function stepLabels(layout: TokenLayout): string[] {
  const out: string[] = [];
  for (const f of layout.fields) {
    for (let i = 0; i < f.size; i++) out.push(f.size === 1 ? f.name : `${f.name} ${f.labels?.[i] ?? i}`);
  }
  if (out.length !== stepSize(layout)) throw new ConfigError('layout labels do not cover the step', 'layout');
  return out;
}
