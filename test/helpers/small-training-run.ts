/**
 * A small oscillator training run for the training-loop tests: a tiny encoder model, 8 steps of batch 4 × 5
 * tokens, and a runner that trains a fresh model and returns the result with the final weights.
 */
import { silentLogger } from '../../src/logging.js';
import { createModel, type ModelConfig } from '../../src/model/index.js';
import { oscillatorDataset } from '../../src/tasks/oscillator.js';
import { type TrainOptions, trainModel } from '../../src/train/train-loop.js';

export const smallRunData = oscillatorDataset();

export function smallRunConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    layout: smallRunData.layout,
    normalization: smallRunData.normalization,
    latentSize: 8,
    hiddenWidth: 16,
    mlpLayers: 2,
    levelEmbeddingSize: 8,
    initEncoderWidth: 8,
    initLatent: 'encoder',
    noise: { schedule: 'linear', levels: 1000 },
    objective: 'x0',
    ...over,
  };
}

export const smallRunOptions: TrainOptions = {
  steps: 8,
  batchSize: 4,
  tokens: 5,
  seed: 11,
  optimizer: { learningRate: 3e-3, warmupSteps: 3, gradClipNorm: 1 },
  logger: silentLogger,
};

/** Trains a fresh model of `config` (weights seeded by `seed`) with `options` over the small-run defaults. */
export async function smallTrainingRun(config: ModelConfig, options: Partial<TrainOptions>, seed = 5) {
  const model = createModel(config, seed);
  try {
    const result = await trainModel(model, smallRunData, { ...smallRunOptions, ...options });
    const weights = model.variables.map((v) => Array.from(v.dataSync()));
    return { result, weights };
  } finally {
    model.dispose();
  }
}
