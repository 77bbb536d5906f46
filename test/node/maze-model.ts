/**
 * Test fixture for the node tests: a tiny untrained model with the maze token layout ([action 2, reward 1,
 * position 2, velocity 2] × F), saved to a temporary directory so a planner worker can load it, plus a maze
 * NodeTask built from the real layout data (sim/maze2d, as the CLI builds it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mazeTokenLayout } from '../../sim/maze2d/training-task.js';
import { mazeNodeTask } from '../../src/cli/maze-node-task.js';
import { saveModel } from '../../src/model/checkpoint.js';
import { createModel, type DfModel, type ModelConfig } from '../../src/model/index.js';
import type { NodeTask } from '../../src/node/index.js';

/** Frame stack of the test models: small, so a plan is a few ms. */
export const TEST_F = 2;

export function mazeModelConfig(frameStack = TEST_F): ModelConfig {
  return {
    layout: mazeTokenLayout(frameStack),
    // umaze-like statistics: positions around (2, 2), velocities around 0.
    normalization: { mean: [0, 0, 0, 2, 2, 0, 0], std: [2, 2, 1, 1, 1, 1, 1] },
    latentSize: 8,
    hiddenWidth: 12,
    mlpLayers: 2,
    levelEmbeddingSize: 8,
    initEncoderWidth: 8,
    initLatent: 'encoder',
    noise: { schedule: 'linear', levels: 1000 },
    objective: 'x0',
  };
}

export function makeMazeModel(
  options: { seed?: number; nanWeights?: boolean; frameStack?: number } = {},
): DfModel {
  const model = createModel(mazeModelConfig(options.frameStack), options.seed ?? 3);
  if (options.nanWeights) {
    // A corrupted checkpoint: every weight NaN, so every plan is non-finite (PlanningError), a real fault.
    for (const v of model.variables) v.assign(tf.fill(v.shape, Number.NaN));
  }
  return model;
}

/** Saves a fresh maze model to a temp dir; returns the dir and a cleanup. */
export async function saveMazeModel(
  options: { seed?: number; nanWeights?: boolean; frameStack?: number } = {},
): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'df-node-test-'));
  const model = makeMazeModel(options);
  try {
    await saveModel(dir, model, {
      command: 'test/node/maze-model.ts (untrained)',
      steps: 0,
      wallTimeSeconds: 0,
      datasetId: 'maze2d-umaze/test',
      seed: options.seed ?? 3,
      finalLoss: null,
      tfjsVersion: tf.version.tfjs,
      backend: tf.getBackend(),
      savedAt: new Date(0).toISOString(),
    });
  } finally {
    model.dispose();
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The umaze NodeTask (episode 300, goal = the G cell, reward = inside the goal disc). */
export function umazeTask(): NodeTask {
  return mazeNodeTask('maze2d-umaze');
}

/** Small planner settings for fast tests. */
export const FAST_PLANNER = {
  horizonTokens: 4,
  samplingSteps: 3,
  warmStepsLeft: 2,
  warmRows: 3,
  guidanceScale: 1,
} as const;
