/**
 * One optimizer step of Algorithm 1: batch arrays → tensors, Diffusion Forcing loss, gradients of every model
 * variable, AdamW update, cache invalidation. Shared by the training loop and the `bench train` cases, so the
 * benchmark times exactly what training runs.
 */
import * as tf from '@tensorflow/tfjs';
import { type DiffusionForcingLossOptions, diffusionForcingLoss } from '../diffusion/loss.js';
import { DfPlannerError } from '../errors.js';
import type { NoiseSchedule } from '../math/noise-schedule.js';
import type { Rng } from '../math/rng.js';
import type { DfModel } from '../model/types.js';
import type { SequenceBatch } from '../tasks/sequence-dataset.js';
import { observationSize, tokenSize } from '../tasks/token-layout.js';
import type { AdamW } from './adamw.js';

export interface TrainStepResult {
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
}

/** Runs one step on `batch` ([T, B, D] arrays); `noiseRng` supplies the loss's levels and noise. */
export async function trainStep(
  model: DfModel,
  schedule: NoiseSchedule,
  optimizer: AdamW,
  batch: SequenceBatch,
  shape: { readonly tokens: number; readonly batchSize: number },
  noiseRng: Rng,
  lossOptions?: DiffusionForcingLossOptions,
): Promise<TrainStepResult> {
  const cfg = model.config;
  const { tokens: t, batchSize: b } = shape;
  const d = tokenSize(cfg.layout);
  const [lossT, normT] = tf.tidy(() => {
    const x0 = tf.tensor3d(batch.x0, [t, b, d]);
    const mask = tf.tensor2d(batch.mask, [t, b]);
    const first =
      cfg.initLatent === 'encoder' && batch.firstObservation
        ? tf.tensor2d(batch.firstObservation, [b, observationSize(cfg.layout)])
        : null;
    const { value, grads } = tf.variableGrads(
      () =>
        diffusionForcingLoss(model, schedule, { x0, firstObservation: first, mask }, noiseRng, lossOptions),
      model.variables as tf.Variable[],
    );
    const ordered = model.variables.map((v, i) => {
      const g = grads[v.name];
      if (!g) {
        throw new DfPlannerError(
          'training',
          `no gradient for weight '${model.weightNames[i]}'; the loss does not use it`,
        );
      }
      return g;
    });
    return [value, optimizer.apply(ordered)];
  });
  model.weightsChanged();
  try {
    return { loss: (await lossT.data())[0]!, gradNorm: (await normT.data())[0]! };
  } finally {
    lossT.dispose();
    normT.dispose();
  }
}
