/**
 * Public API of the diffusion math library: β schedules, the forward process and target conversions, DDIM
 * coefficients, scheduling matrices, loss weights and the seeded RNG. Plain numbers and typed arrays only:
 * no tfjs, no I/O.
 */

export { wilsonInterval, Z95 } from './binomial.js';
export {
  ddimLevels,
  ddimStepCoefficients,
  paperGuidanceGain,
  stabilizationLevel,
} from './ddim.js';
export { qSample } from './diffusion-process.js';
export {
  type LossWeightKind,
  lossWeightTable,
} from './loss-weight.js';
export {
  alphaBarAt,
  type NoiseSchedule,
  noiseSchedule,
} from './noise-schedule.js';
export { createRng, type Rng } from './rng.js';
export {
  type MatrixTransition,
  matrixTransitions,
  type ScheduleMode,
  type SchedulingMatrix,
  type SchedulingMatrixOptions,
  scheduleModes,
  schedulingMatrix,
  validateSchedulingMatrix,
} from './scheduling-matrix.js';
