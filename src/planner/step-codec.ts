/**
 * Moves values between the env's terms (action, reward, observation vectors) and the model's token layout:
 *
 *   step   = fields in layout order; action fields take consecutive slices of the action vector, the reward
 *            field takes the reward, observation fields consecutive slices of the observation vector
 *   token  = [step_0 | … | step_{F−1}], normalised per step dimension: (x − mean)/std
 *
 * The planner's only place that knows which dimensions are which.
 */
import { ConfigError } from '../errors.js';
import {
  type Normalization,
  normalizeSteps,
  observationIndices,
  stepSize,
  type TokenLayout,
} from '../tasks/token-layout.js';

export interface StepCodec {
  readonly stepSize: number;
  readonly actionSize: number;
  readonly observationSize: number;
  /** Step-dimension index of each action component, of each observation component. */
  readonly actionIndices: readonly number[];
  readonly observationIndices: readonly number[];
  /** Step dimension of the reward (−1 when the layout has none). */
  readonly rewardIndex: number;
  /** Writes one raw (task-unit) step into `out` at `offset`. */
  packStep(
    action: ArrayLike<number>,
    reward: number,
    observation: ArrayLike<number>,
    out: Float32Array,
    offset: number,
  ): void;
  /** Normalises raw steps (any whole number of them). */
  normalize(steps: Float32Array): Float32Array;
  /** The normalised observation part of a raw observation vector (what the init encoder reads). */
  normalizeObservation(observation: ArrayLike<number>): Float32Array;
}

export function stepCodec(layout: TokenLayout, normalization: Normalization): StepCodec {
  const actionIndices: number[] = [];
  let rewardIndex = -1;
  let offset = 0;
  for (const field of layout.fields) {
    if (field.kind === 'action') for (let i = 0; i < field.size; i++) actionIndices.push(offset + i);
    if (field.kind === 'reward') {
      if (field.size !== 1 || rewardIndex !== -1) {
        throw new ConfigError(
          `the planner records one scalar reward per step, but this layout's reward field '${field.name}' ` +
            `has size ${field.size}${rewardIndex !== -1 ? ' (and it is not the only one)' : ''}; use a layout with one reward of size 1`,
          'layout',
        );
      }
      rewardIndex = offset;
    }
    offset += field.size;
  }
  const obsIndices = observationIndices(layout);
  const d = stepSize(layout);
  return {
    stepSize: d,
    actionSize: actionIndices.length,
    observationSize: obsIndices.length,
    actionIndices,
    observationIndices: obsIndices,
    rewardIndex,
    packStep(action, reward, observation, out, at) {
      for (const [i, k] of actionIndices.entries()) out[at + k] = action[i]!;
      if (rewardIndex >= 0) out[at + rewardIndex] = reward;
      for (const [i, k] of obsIndices.entries()) out[at + k] = observation[i]!;
    },
    normalize: (steps) => normalizeSteps(steps, normalization),
    normalizeObservation(observation) {
      const out = new Float32Array(obsIndices.length);
      for (const [i, k] of obsIndices.entries()) {
        out[i] = (observation[i]! - normalization.mean[k]!) / normalization.std[k]!;
      }
      return out;
    },
  };
}
