/**
 * Test fixture: a tiny untrained model of the arm's token layout (F = 5), saved with a provenance that names
 * the arm task and carries an unguided planner block (H = 1, S = 3, posterior latent). For plumbing tests only.
 */
import * as tf from '@tensorflow/tfjs';
import { armTokenLayout } from '../../sim/arm/training-task.js';
import { saveModel, type TrainingProvenance } from '../../src/model/checkpoint.js';
import { createModel, type DfModel, type ModelConfig } from '../../src/model/index.js';

// Roughly the demos' statistics: action (x, y, z, grip), q, qd, gripper, apple xyz, orange xyz.
export const TINY_ARM_MEAN = [
  0.28, 0, 0.15, 0.03, 0, 0.6, -1.2, -1, 0, 0, 0, 0, 0.06, 0.32, 0, 0.04, 0.32, 0, 0.04,
];
const std = [0.1, 0.2, 0.1, 0.04, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1, 0.03, 0.05, 0.15, 0.02, 0.05, 0.15, 0.02];

export const TINY_ARM_PLANNER = {
  horizonTokens: 1,
  samplingSteps: 3,
  guidanceScale: 0,
  latentMode: 'posterior',
  warmStart: false,
} as const;

export const tinyArmConfig: ModelConfig = {
  layout: armTokenLayout(5),
  normalization: { mean: TINY_ARM_MEAN, std },
  latentSize: 8,
  hiddenWidth: 16,
  mlpLayers: 2,
  levelEmbeddingSize: 8,
  initEncoderWidth: 8,
  initLatent: 'encoder',
  noise: { schedule: 'cosine', levels: 1000 },
  objective: 'x0',
};

/** Creates the model (the caller disposes it) and saves it to `dir`. */
export async function saveTinyArmModel(dir: string): Promise<DfModel> {
  const model = createModel(tinyArmConfig, 1);
  const provenance = {
    command: 'a tiny test model (test/helpers/tiny-arm-model.ts)',
    steps: 0,
    wallTimeSeconds: 0,
    datasetId: 'arm-swap/test',
    seed: 1,
    finalLoss: null,
    tfjsVersion: tf.version.tfjs,
    backend: 'cpu',
    savedAt: '2026-01-01T00:00:00.000Z',
    planner: TINY_ARM_PLANNER,
  } as TrainingProvenance;
  await saveModel(dir, model, provenance);
  return model;
}
