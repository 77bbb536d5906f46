/**
 * Validation loss at checkpoints: the Diffusion Forcing loss of held-out windows (a task's
 * `sampleValidationBatch`), with fixed data and noise seeds so every checkpoint of a run is scored on the
 * same windows, levels and noise and the numbers compare. The history goes to `validation.json` in the model
 * directory, one entry per checkpoint, so a model card can pick the checkpoint with the lowest value.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type DiffusionForcingLossOptions, diffusionForcingLoss } from '../diffusion/loss.js';
import type { NoiseSchedule } from '../math/noise-schedule.js';
import { createRng } from '../math/rng.js';
import type { DfModel } from '../model/types.js';
import type { SequenceDataset } from '../tasks/sequence-dataset.js';
import { observationSize, tokenSize } from '../tasks/token-layout.js';
import { writeFileAtomic } from '../write-file-atomic.js';

export const VALIDATION_FILE = 'validation.json';
const VALIDATION_DATA_SEED = 7919;
const VALIDATION_NOISE_SEED = 104729;

export interface ValidationRecord {
  readonly step: number;
  readonly loss: number;
}

/** Mean loss over `batches` fixed held-out batches; null when the dataset has no validation split. */
export function validationLoss(
  model: DfModel,
  schedule: NoiseSchedule,
  dataset: SequenceDataset,
  shape: { readonly tokens: number; readonly batchSize: number },
  lossOptions?: DiffusionForcingLossOptions,
  batches = 2,
): number | null {
  if (!dataset.sampleValidationBatch) return null;
  const dataRng = createRng(VALIDATION_DATA_SEED);
  const noiseRng = createRng(VALIDATION_NOISE_SEED);
  const cfg = model.config;
  const { tokens: t, batchSize: b } = shape;
  let sum = 0;
  for (let i = 0; i < batches; i++) {
    const batch = dataset.sampleValidationBatch(b, t, dataRng);
    const value = tf.tidy(() => {
      const first =
        cfg.initLatent === 'encoder' && batch.firstObservation
          ? tf.tensor2d(batch.firstObservation, [b, observationSize(cfg.layout)])
          : null;
      const loss = diffusionForcingLoss(
        model,
        schedule,
        {
          x0: tf.tensor3d(batch.x0, [t, b, tokenSize(cfg.layout)]),
          firstObservation: first,
          mask: tf.tensor2d(batch.mask, [t, b]),
        },
        noiseRng,
        lossOptions,
      );
      return loss.dataSync()[0]!;
    });
    sum += value;
  }
  return sum / batches;
}

/** Adds a checkpoint's value to `validation.json`, dropping entries at or after `step` (a resumed run). */
export function recordValidationLoss(outDir: string, record: ValidationRecord): ValidationRecord[] {
  const file = path.join(outDir, VALIDATION_FILE);
  const previous: ValidationRecord[] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as ValidationRecord[])
    : [];
  const history = [...previous.filter((r) => r.step < record.step), record];
  writeFileAtomic(file, `${JSON.stringify(history, null, 1)}\n`);
  return history;
}
