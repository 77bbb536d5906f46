/**
 * Test fixture: a small real DfModel (no mocks). Token = [position (2, observation), action (1)] × frame
 * stack 2 → D = 6; z = 8, hidden 12, 3 MLP layers, E = 8; about 2.7k parameters. Call `model.dispose()` when
 * done. Start a backend first (`initBackend`).
 */
import { createModel, type DfModel, type ModelConfig } from '../../src/model/index.js';

export interface TinyModel {
  readonly model: DfModel;
  /** The config as given to createModel (before defaults are filled in; `model.config` has them). */
  readonly config: ModelConfig;
}

export const tinyModelConfig: ModelConfig = {
  layout: {
    frameStack: 2,
    fields: [
      { name: 'position', kind: 'observation', size: 2 },
      { name: 'action', kind: 'action', size: 1 },
    ],
  },
  normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
  latentSize: 8,
  hiddenWidth: 12,
  mlpLayers: 3,
  levelEmbeddingSize: 8,
  initEncoderWidth: 8,
  initLatent: 'encoder',
  noise: { schedule: 'linear', levels: 1000 },
  objective: 'x0',
};

export function makeTinyModel(
  overrides: Partial<ModelConfig> = {},
  options: { seed?: number; linear?: 'custom' | 'autodiff' } = {},
): TinyModel {
  const config: ModelConfig = { ...tinyModelConfig, ...overrides };
  const model = createModel(config, options.seed ?? 1, { linear: options.linear ?? 'custom' });
  return { model, config };
}
