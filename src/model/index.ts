/** Public API of the model folder: the one Diffusion Forcing network and its contract. */
export { type CreateModelOptions, createModel, levelFeatureTable } from './create-model.js';
export type {
  Activation,
  BetaScheduleKind,
  CellOutput,
  DfModel,
  GradientMode,
  InitLatent,
  ModelConfig,
  Objective,
  RolloutOutput,
} from './types.js';
export { activations, defaultActivation, validateModelConfig } from './validate-model-config.js';
export { modelParameterCount, type WeightSpec, weightLayout } from './weight-layout.js';
