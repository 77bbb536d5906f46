/**
 * Read-out sensor noise of the arm's observation. The noise is part of the task, not a training trick: it
 * hides residual differences in the arm state (1e-9–1e-12 rad) that would otherwise let a memoryless policy
 * tell the two cases apart at the ambiguous decision points (docs/arm-swap.md, "leak-proofing").
 *
 * Observation order (15): q (4) | qd (4) | gripper opening (1) | apple xyz (3) | orange xyz (3).
 * Default σ: q 1e-3 rad, qd 1e-2 rad/s, gripper 0.5 mm, fruit positions 2 mm per axis.
 */
import type { Rng } from '../../src/math/rng.js';

export interface SensorNoise {
  readonly jointPosition: number;
  readonly jointVelocity: number;
  readonly gripper: number;
  readonly fruitPosition: number;
}

export const DEFAULT_SENSOR_NOISE: SensorNoise = {
  jointPosition: 1e-3,
  jointVelocity: 1e-2,
  gripper: 5e-4,
  fruitPosition: 2e-3,
};

export const NO_SENSOR_NOISE: SensorNoise = {
  jointPosition: 0,
  jointVelocity: 0,
  gripper: 0,
  fruitPosition: 0,
};

/** σ per observation component, in observation order. */
export function noiseScales(noise: SensorNoise): Float64Array {
  const out = new Float64Array(15);
  out.fill(noise.jointPosition, 0, 4);
  out.fill(noise.jointVelocity, 4, 8);
  out[8] = noise.gripper;
  out.fill(noise.fruitPosition, 9, 15);
  return out;
}

/** Adds N(0, σ²) per component in place; draws nothing for σ = 0 components, so noise-free runs use no draws. */
export function addSensorNoise(observation: Float64Array, scales: Float64Array, rng: Rng): void {
  for (let k = 0; k < observation.length; k++) {
    const s = scales[k]!;
    if (s > 0) observation[k] = observation[k]! + s * rng.normal();
  }
}
