/**
 * Public API of the diffusion math library: β schedules, the forward process and target conversions, DDIM
 * coefficients, scheduling matrices, loss weights and the seeded RNG. Plain numbers and typed arrays only:
 * no tfjs, no I/O.
 */

export {
  type DdimStepCoefficients,
  ddimLevels,
  ddimStep,
  ddimStepCoefficients,
  paperGuidanceGain,
  stabilizationLevel,
} from './ddim.js';
export {
  type AlphaBarInput,
  epsFromV,
  epsFromX0,
  qSample,
  vFromX0Eps,
  x0FromEps,
  x0FromV,
} from './diffusion-process.js';
export {
  fusedSnrWeights,
  type LossWeightKind,
  lossWeight,
  lossWeightKinds,
  lossWeightTable,
  type Objective,
  objectives,
} from './loss-weight.js';
export {
  alphaBarAt,
  type BetaScheduleKind,
  betaScheduleKinds,
  checkLevel,
  type NoiseSchedule,
  noiseSchedule,
} from './noise-schedule.js';
export { createRng, type Rng } from './rng.js';
export {
  type MatrixTransition,
  matrixLevelToDiffusionLevel,
  matrixTransitions,
  maxMatrixEntries,
  type ScheduleMode,
  type SchedulingMatrix,
  type SchedulingMatrixOptions,
  scheduleModes,
  schedulingMatrix,
  validateSchedulingMatrix,
} from './scheduling-matrix.js';
