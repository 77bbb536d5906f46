/**
 * The fruit-swap arm as a Diffusion Forcing training task: recorded demos (dataset.ts) as token windows that
 * start at the beginning of a demo, so the init encoder sees the start arrangement (the case) and the latent
 * has to carry it through the episode.
 *
 * Step layout (no reward field: pure imitation):
 *   step_j = [ a_j (4: grasp target x, y, z, grip) | o_{j+1} (15: q, qd, gripper, apple xyz, orange xyz) ]
 * A token packs F consecutive steps (default F = 5 = 0.5 s, 95 numbers).
 *
 * Padding: a demo lasts ~25 s, the evaluation 40 s. Every demo is extended to max(400 steps, T·F) by repeating
 * its last step (the arm holding HOME, observation unchanged), and the padding stays in the loss (mask 1), so
 * the policy learns to stay idle once the swap is done instead of starting a fourth move.
 *
 * Normalisation: the training demos' own mean and std per step dimension, with the stds of the action and of
 * the joint velocities doubled: the std is a weight in diffusion space, and these dimensions are the hard-to-
 * diffuse, jittery ones (docs/diffusion-forcing.md, pitfalls on normalisation).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, DatasetError } from '../../src/errors.js';
import type { Rng } from '../../src/math/rng.js';
import type { TrainingTask } from '../../src/tasks/index.js';
import type { SequenceBatch, SequenceDataset } from '../../src/tasks/sequence-dataset.js';
import type { Normalization, TokenLayout } from '../../src/tasks/token-layout.js';
import { ARM_TASK_ID, createArmEnv } from './arm-env.js';
import {
  ARM_DEFAULT_DART_NOISE,
  ARM_DEFAULT_DEMOS,
  ARM_DEFAULT_VALIDATION_DEMOS,
  type ArmDataset,
  type ArmEpisode,
  armDatasetCommand,
  armEpisodes,
  generateArmDataset,
  readArmDataset,
  writeArmDataset,
} from './dataset.js';
import { EPISODE_STEPS } from './geometry.js';

export const ARM_DEFAULT_FRAME_STACK = 5;
/** Demos are padded to at least the evaluation episode (40 s). */
export const ARM_PAD_STEPS = EPISODE_STEPS;
/** Factor on the std of the action and joint-velocity dimensions (see the header). */
export const ARM_STD_INFLATION = 2;
const STEP_SIZE = 19;

export function armTokenLayout(frameStack = ARM_DEFAULT_FRAME_STACK): TokenLayout {
  return {
    frameStack,
    fields: [
      { name: 'action', kind: 'action', size: 4, labels: ['x', 'y', 'z', 'grip'] },
      { name: 'joint_position', kind: 'observation', size: 4 },
      { name: 'joint_velocity', kind: 'observation', size: 4 },
      { name: 'gripper', kind: 'observation', size: 1 },
      { name: 'apple', kind: 'observation', size: 3, labels: ['x', 'y', 'z'] },
      { name: 'orange', kind: 'observation', size: 3, labels: ['x', 'y', 'z'] },
    ],
  };
}

/** Per-step-dimension normalisation from the training demos (actions, next observations). */
export function armNormalization(data: ArmDataset): Normalization {
  const sum = new Float64Array(STEP_SIZE);
  const sq = new Float64Array(STEP_SIZE);
  let n = 0;
  for (let t = 0; t < data.steps; t++) {
    if (data.validation[t] === 1) continue;
    n += 1;
    for (let k = 0; k < STEP_SIZE; k++) {
      const v = k < 4 ? data.actions[t * 4 + k]! : data.nextObservations[t * 15 + k - 4]!;
      sum[k]! += v;
      sq[k]! += v * v;
    }
  }
  if (n === 0)
    throw new ConfigError('the arm dataset has no training demos; record some with --demos', 'data');
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, k) => {
    const sd = Math.sqrt(Math.max(s / n - mean[k]! ** 2, 1e-12));
    const inflated = k < 4 || (k >= 8 && k < 12);
    return Math.max(sd, 1e-4) * (inflated ? ARM_STD_INFLATION : 1);
  });
  return { mean, std };
}

export interface ArmSequenceDataset extends SequenceDataset {
  readonly data: ArmDataset;
  readonly trainEpisodes: readonly ArmEpisode[];
  readonly validationEpisodes: readonly ArmEpisode[];
}

export function armSequenceDataset(
  data: ArmDataset,
  frameStack = ARM_DEFAULT_FRAME_STACK,
): ArmSequenceDataset {
  if (!Number.isInteger(frameStack) || frameStack < 1) {
    throw new ConfigError(`frame stack must be a whole number ≥ 1, got ${frameStack}`, 'frameStack');
  }
  const layout = armTokenLayout(frameStack);
  const normalization = armNormalization(data);
  const { mean, std } = normalization;
  const episodes = armEpisodes(data);
  const trainEpisodes = episodes.filter((e) => !e.validation);
  const validationEpisodes = episodes.filter((e) => e.validation);

  const windows = (
    pool: readonly ArmEpisode[],
    batchSize: number,
    tokens: number,
    rng: Rng,
  ): SequenceBatch => {
    if (pool.length === 0) throw new ConfigError('no demos to draw windows from', 'data');
    const span = tokens * frameStack;
    const tokenDim = STEP_SIZE * frameStack;
    const x0 = new Float32Array(tokens * batchSize * tokenDim);
    const firstObservation = new Float32Array(batchSize * 15);
    for (let b = 0; b < batchSize; b++) {
      const ep = pool[rng.int(pool.length)]!;
      for (let j = 0; j < 15; j++) {
        firstObservation[b * 15 + j] = (data.observations[ep.start * 15 + j]! - mean[4 + j]!) / std[4 + j]!;
      }
      for (let s = 0; s < span; s++) {
        // Past the demo's end the last step repeats (the final hold), still counted in the loss.
        const step = ep.start + Math.min(s, ep.length - 1);
        const t = Math.floor(s / frameStack);
        const o = (t * batchSize + b) * tokenDim + (s % frameStack) * STEP_SIZE;
        for (let k = 0; k < 4; k++) x0[o + k] = (data.actions[step * 4 + k]! - mean[k]!) / std[k]!;
        for (let j = 0; j < 15; j++) {
          x0[o + 4 + j] = (data.nextObservations[step * 15 + j]! - mean[4 + j]!) / std[4 + j]!;
        }
      }
    }
    return { x0, firstObservation, mask: new Float32Array(tokens * batchSize).fill(1) };
  };

  return {
    id: `${data.task}/seed${data.seed}/N${data.steps}/F${frameStack}/pad${ARM_PAD_STEPS}`,
    layout,
    normalization,
    data,
    trainEpisodes,
    validationEpisodes,
    sampleBatch: (batchSize, tokens, rng) => windows(trainEpisodes, batchSize, tokens, rng),
    ...(validationEpisodes.length > 0
      ? {
          sampleValidationBatch: (batchSize: number, tokens: number, rng: Rng) =>
            windows(validationEpisodes, batchSize, tokens, rng),
        }
      : {}),
  };
}

export const ARM_DEFAULT_DATA_FILE = 'data/arm-swap.bin';

/** Generates `file` with the default recipe when it is missing; an existing file is never replaced. */
export async function ensureArmDataset(file: string, log: (line: string) => void = () => {}): Promise<void> {
  if (existsSync(file)) return;
  const command = armDatasetCommand(
    ARM_DEFAULT_DEMOS,
    ARM_DEFAULT_VALIDATION_DEMOS,
    0,
    ARM_DEFAULT_DART_NOISE,
    file,
  );
  log(`dataset ${file} is missing: generating it (same as: ${command})`);
  mkdirSync(dirname(file), { recursive: true });
  const env = await createArmEnv();
  try {
    const data = generateArmDataset(env, {
      demos: ARM_DEFAULT_DEMOS,
      validationDemos: ARM_DEFAULT_VALIDATION_DEMOS,
      seed: 0,
    });
    writeArmDataset(file, data, { engineVersion: env.engineVersion });
  } finally {
    env.close();
  }
}

/** `arm-swap` as a training task: the recorded demos at data/arm-swap.bin. */
export const armTrainingTask: TrainingTask = {
  name: ARM_TASK_ID,
  summary:
    'fruit-swap arm demos from the start, padded to 40 s; tokens [action, q, qd, gripper, apple, orange] × F',
  defaultFrameStack: ARM_DEFAULT_FRAME_STACK,
  needsDataFile: true,
  defaultDataFile: ARM_DEFAULT_DATA_FILE,
  defaultDataRecipe: armDatasetCommand(
    ARM_DEFAULT_DEMOS,
    ARM_DEFAULT_VALIDATION_DEMOS,
    0,
    ARM_DEFAULT_DART_NOISE,
    ARM_DEFAULT_DATA_FILE,
  ),
  prepareDataFile: (file, log) => ensureArmDataset(file, log),
  layout: (frameStack = ARM_DEFAULT_FRAME_STACK) => armTokenLayout(frameStack),
  createDataset(options) {
    const file = options.dataFile ?? ARM_DEFAULT_DATA_FILE;
    const data = readArmDataset(file, { expectTask: ARM_TASK_ID });
    if (armEpisodes(data).length < 2) {
      throw new DatasetError(file, `has ${armEpisodes(data).length} demo(s); record more with --demos`);
    }
    return armSequenceDataset(data, options.frameStack ?? ARM_DEFAULT_FRAME_STACK);
  },
};
