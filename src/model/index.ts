/** Public API of the model folder: the one Diffusion Forcing network and its contract. */
export { createModel, levelFeatureTable } from './create-model.js';
export type {
  Activation,
  CellOutput,
  DfModel,
  GradientMode,
  ModelConfig,
  Objective,
  RolloutOutput,
} from './types.js';
export { defaultActivation } from './validate-model-config.js';
export { modelParameterCount, weightLayout } from './weight-layout.js';
