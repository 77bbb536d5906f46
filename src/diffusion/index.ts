/** Public API of the diffusion folder: the Algorithm 1 loss, the Algorithm 2 sampler and chunked rollouts. */
export { type GenerateOptions, type GenerateResult, generate } from './generate.js';
export {
  type DiffusionForcingBatch,
  type DiffusionForcingLossOptions,
  diffusionForcingLoss,
  type ResolvedLossOptions,
  resolveLossOptions,
} from './loss.js';
export {
  denoiseRow,
  type RowResult,
  type SampleOptions,
  type SampleResult,
  type SamplerContext,
  type Stabilization,
  type StabilizationMode,
  sample,
  samplerContext,
} from './sampler.js';
