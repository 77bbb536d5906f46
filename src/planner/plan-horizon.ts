/**
 * The paper's flexible horizon (docs/diffusion-forcing.md §4.6): a plan covers the rest of the episode,
 * H = min(horizonTokens, ⌈stepsLeft / F⌉) tokens, and the steps of its last token that lie past the episode's
 * end are masked out of the objective. With a fixed horizon the plan always has horizonTokens tokens and every
 * step past the end is masked.
 *
 *   stepsLeft   env steps from the plan's first step (the last token boundary) to the end of the episode
 *   m_j         1 for j < stepsLeft, else 0, j = 0 … H·F − 1
 */
import { PlanningError } from '../errors.js';

export interface PlanHorizon {
  /** H, plan tokens. */
  readonly horizon: number;
  /** m_j per env step of the plan, [H·F]. */
  readonly stepMask: Float32Array;
}

export function planHorizon(
  horizonTokens: number,
  flexible: boolean,
  stepsLeft: number,
  frameStack: number,
): PlanHorizon {
  if (!(Number.isInteger(stepsLeft) && stepsLeft > 0)) {
    throw new PlanningError(
      `the episode has no steps left to plan (${stepsLeft}); call reset() with the next episode's observation`,
    );
  }
  const horizon = flexible ? Math.min(horizonTokens, Math.ceil(stepsLeft / frameStack)) : horizonTokens;
  const stepMask = new Float32Array(horizon * frameStack);
  stepMask.fill(1, 0, Math.min(stepsLeft, stepMask.length));
  return { horizon, stepMask };
}
