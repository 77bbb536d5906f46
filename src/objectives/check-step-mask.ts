/** Shared input check of the objectives: the step mask must cover the plan's H·F env steps. */
import { InputError } from '../errors.js';

export function checkStepMask(
  objective: string,
  stepMask: Float32Array,
  horizon: number,
  frames: number,
): void {
  if (stepMask.length !== horizon * frames) {
    throw new InputError(
      `objective ${objective}: the step mask has ${stepMask.length} entries, but the plan has ${horizon} tokens × ` +
        `F ${frames} = ${horizon * frames} steps; build the mask for this plan's horizon`,
    );
  }
}
