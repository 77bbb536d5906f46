/**
 * Maze2D as a Diffusion Forcing training task: recorded D4RL-style streams (dataset.ts) cut into token windows.
 *
 * Step layout (what one env step contributes to a token; the brief's [action, reward, next observation]):
 *   step_j = [ a_j (2) | r_j (1) | p_{j+1} (2) | v_{j+1} (2) ]          7 numbers
 * where r_j = rewards_next[j], the env's own reward for landing in o_{j+1} (1 inside the eval goal disc).
 * A token packs F consecutive steps (default F = 10, 70 numbers). A window of T tokens starting at stream step s
 * reads o_s as its first observation (init encoder) and steps s … s + T·F − 1. Windows start anywhere in the
 * one continuous stream, so they also begin mid-motion and cross goal changes, as the planner will meet them.
 *
 * Normalisation (docs/diffusion-forcing.md §2.4: the std is a weight in diffusion space):
 *   action: mean 0, std 2 (the author's fix; shrinks actions, which are hard to diffuse jointly)
 *   reward: mean 0, std 1 (sparse 0/1; a std of ~0.15 would make it dominate the loss)
 *   position, velocity: the dataset's own mean and std
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, DatasetError } from '../../src/errors.js';
import type { Rng } from '../../src/math/rng.js';
import type { TrainingTask } from '../../src/tasks/index.js';
import type { SequenceBatch, SequenceDataset } from '../../src/tasks/sequence-dataset.js';
import { type Normalization, stepSize, type TokenLayout } from '../../src/tasks/token-layout.js';
import { generateMazeDataset, type MazeDataset, readMazeDataset, writeMazeDataset } from './dataset.js';
import { mazeTask } from './layouts.js';
import { createMazeEnv } from './maze-env.js';

export const MAZE_DEFAULT_FRAME_STACK = 10;
/** The recipe `train` uses when it has to generate a missing dataset (docs/maze2d.md §9: 1M steps). */
export const MAZE_DEFAULT_DATASET_STEPS = 1_000_000;
export const MAZE_DEFAULT_DATASET_SEED = 0;
export const MAZE_ACTION_STD = 2;

export function mazeTokenLayout(frameStack = MAZE_DEFAULT_FRAME_STACK): TokenLayout {
  return {
    frameStack,
    fields: [
      { name: 'action', kind: 'action', size: 2, labels: ['x', 'y'] },
      { name: 'reward', kind: 'reward', size: 1 },
      { name: 'position', kind: 'observation', size: 2, labels: ['x', 'y'] },
      { name: 'velocity', kind: 'observation', size: 2, labels: ['x', 'y'] },
    ],
  };
}

/** Per-step-dimension normalisation from a dataset (see the header for the fixed entries). */
export function mazeNormalization(data: MazeDataset): Normalization {
  const n = data.steps + 1;
  const mean = [0, 0, 0, 0];
  const sq = [0, 0, 0, 0];
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < 4; j++) {
      const v = data.observations[t * 4 + j]!;
      mean[j]! += v;
      sq[j]! += v * v;
    }
  }
  const m = mean.map((s) => s / n);
  const std = sq.map((s, j) => Math.sqrt(Math.max(s / n - m[j]! ** 2, 1e-12)));
  return {
    mean: [0, 0, 0, m[0]!, m[1]!, m[2]!, m[3]!],
    std: [MAZE_ACTION_STD, MAZE_ACTION_STD, 1, std[0]!, std[1]!, std[2]!, std[3]!],
  };
}

export interface MazeSequenceDataset extends SequenceDataset {
  readonly data: MazeDataset;
}

export function mazeSequenceDataset(
  data: MazeDataset,
  frameStack = MAZE_DEFAULT_FRAME_STACK,
): MazeSequenceDataset {
  if (!Number.isInteger(frameStack) || frameStack < 1) {
    throw new ConfigError(`frame stack must be a whole number ≥ 1, got ${frameStack}`, 'frameStack');
  }
  const layout = mazeTokenLayout(frameStack);
  const normalization = mazeNormalization(data);
  const d = stepSize(layout);
  const { mean, std } = normalization;

  const sampleBatch = (batchSize: number, tokens: number, rng: Rng): SequenceBatch => {
    const span = tokens * frameStack;
    if (span > data.steps) {
      throw new ConfigError(
        `a window of ${tokens} tokens × F ${frameStack} = ${span} steps is longer than the dataset (${data.steps} steps); use fewer --tokens or a larger dataset`,
        'tokens',
      );
    }
    const tokenDim = d * frameStack;
    const x0 = new Float32Array(tokens * batchSize * tokenDim);
    const firstObservation = new Float32Array(batchSize * 4);
    for (let b = 0; b < batchSize; b++) {
      const s = rng.int(data.steps - span + 1);
      for (let j = 0; j < 4; j++) {
        firstObservation[b * 4 + j] = (data.observations[s * 4 + j]! - mean[3 + j]!) / std[3 + j]!;
      }
      for (let t = 0; t < tokens; t++) {
        for (let f = 0; f < frameStack; f++) {
          const step = s + t * frameStack + f;
          const o = (t * batchSize + b) * tokenDim + f * d;
          x0[o] = (data.actions[step * 2]! - mean[0]!) / std[0]!;
          x0[o + 1] = (data.actions[step * 2 + 1]! - mean[1]!) / std[1]!;
          x0[o + 2] = (data.rewardsNext[step]! - mean[2]!) / std[2]!;
          for (let j = 0; j < 4; j++) {
            x0[o + 3 + j] = (data.observations[(step + 1) * 4 + j]! - mean[3 + j]!) / std[3 + j]!;
          }
        }
      }
    }
    return { x0, firstObservation, mask: new Float32Array(tokens * batchSize).fill(1) };
  };

  return {
    id: `${data.task}/seed${data.seed}/N${data.steps}/F${frameStack}`,
    layout,
    normalization,
    data,
    sampleBatch,
  };
}

/** Default dataset path of a maze task, relative to the working directory (data/ is git-ignored). */
export function defaultMazeDataFile(taskId: string): string {
  return `data/${taskId}.bin`;
}

/** The `df-planner dataset` command of the default recipe (1M steps, seed 0) writing `file`. */
export function mazeDatasetRecipe(taskId: string, file: string): string {
  return `df-planner dataset --task ${taskId} --steps ${MAZE_DEFAULT_DATASET_STEPS} --seed ${MAZE_DEFAULT_DATASET_SEED} --out ${file}`;
}

/**
 * Makes sure `file` exists, generating it with the default recipe (1M steps, seed 0) when it does not, so
 * `df-planner train --task maze2d-medium` is one command on a fresh clone. An existing file is never replaced.
 */
export async function ensureMazeDataset(
  taskId: string,
  file: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  if (existsSync(file)) return;
  mazeTask(taskId);
  log(
    `dataset ${file} is missing: generating it (${MAZE_DEFAULT_DATASET_STEPS} steps, seed ${MAZE_DEFAULT_DATASET_SEED}; ` +
      `same as: ${mazeDatasetRecipe(taskId, file)})`,
  );
  mkdirSync(dirname(file), { recursive: true });
  const env = await createMazeEnv(taskId);
  try {
    const data = generateMazeDataset(env, {
      steps: MAZE_DEFAULT_DATASET_STEPS,
      seed: MAZE_DEFAULT_DATASET_SEED,
    });
    writeMazeDataset(file, data, { command: mazeDatasetRecipe(taskId, file) });
  } finally {
    env.close();
  }
}

/** Maze task `id` (maze2d-umaze/-medium/-large) as a training task: the recorded stream at data/<id>.bin. */
export function mazeTrainingTask(id: string): TrainingTask {
  mazeTask(id);
  return {
    name: id,
    summary: `D4RL ${id} waypoint-expert stream (σ = 0.5), tokens [action, reward, position, velocity] × F`,
    defaultFrameStack: MAZE_DEFAULT_FRAME_STACK,
    needsDataFile: true,
    defaultDataFile: defaultMazeDataFile(id),
    defaultDataRecipe: mazeDatasetRecipe(id, defaultMazeDataFile(id)),
    prepareDataFile: (file, log) => ensureMazeDataset(id, file, log),
    layout: (frameStack = MAZE_DEFAULT_FRAME_STACK) => mazeTokenLayout(frameStack),
    createDataset(options) {
      const file = options.dataFile ?? defaultMazeDataFile(id);
      const data = readMazeDataset(file, { expectTask: id });
      if (data.steps < 1000) {
        throw new DatasetError(file, `has only ${data.steps} steps; regenerate it with more --steps`);
      }
      return mazeSequenceDataset(data, options.frameStack ?? MAZE_DEFAULT_FRAME_STACK);
    },
  };
}
