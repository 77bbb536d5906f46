/**
 * Contract of a guidance objective (docs/diffusion-forcing.md §5.1): a differentiable score J of a plan's predicted clean tokens
 * x̂₀ that the planner *maximises* (gradient ascent on the noisy tokens through the latent chain). Objectives see
 * normalised tokens and denormalise what they need through the layout; they never know about ROS, envs or
 * the sampler. One file per objective, registered by name in `index.ts`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Normalization, TokenLayout } from '../tasks/token-layout.js';

export interface ObjectiveContext {
  readonly layout: TokenLayout;
  readonly normalization: Normalization;
  /** Goal in the task's raw coordinates (e.g. maze [x, y]); null when the task has none. */
  readonly goal: readonly number[] | null;
  /**
   * Per env step of the plan, [H·F]: 1 where the step lies inside the episode, 0 past its end (the flexible
   * horizon's last token may overhang). Objectives weight their per-step terms with it.
   */
  readonly stepMask: Float32Array;
  /** Episode length in env steps (the official scale n_frames), for objectives that normalise by it. */
  readonly episodeSteps: number;
}

export interface GuidanceObjective {
  /** Registry name, snake_case as the ROS parameter takes it: 'goal_reaching', 'reward_sum'. */
  readonly name: string;
  /**
   * Length of the goal this objective reads (maze goal_reaching: 2), 0 when it needs none. ConfigError when
   * the layout lacks what the objective needs. Lets the agent check the layout before any goal is known.
   */
  goalSize(layout: TokenLayout): number;
  /**
   * What the objective needs from the task and the goal: ConfigError naming every problem (a missing field,
   * a goal that is missing, of the wrong length, or not finite). The agent calls it when it is built (with a
   * placeholder goal of `goalSize` zeros), on every goal change and before every guided plan.
   */
  check(context: ObjectiveContext): void;
  /**
   * J per sample: x0Hat [H, B, D] normalised → [B] (larger is better). Pure tf ops, differentiable, no
   * tf.tidy inside (the caller's tf.grad owns the scope).
   */
  score(x0Hat: tf.Tensor3D, context: ObjectiveContext): tf.Tensor1D;
  /**
   * Optional: the same J and its gradient on Float32Arrays, for the plain planner path (no tensors, no tape;
   * the planner falls back to tf.grad of `score` without it). Must agree with `score` and with tf.grad of it
   * (test/objectives/plain-gradient.test.ts checks every registered objective).
   */
  readonly plain?: PlainObjective;
}

/**
 * J and ∂J/∂x̂₀ on a plan x0Hat [H·B·D] (normalised, time-major: token t, sample b at (t·B + b)·D). Same
 * preconditions as `score` (the caller ran `check`); sizes are the caller's to get right.
 */
export interface PlainObjective {
  /** out[b] = J_b for b < B. */
  score(
    x0Hat: Float32Array,
    horizon: number,
    batch: number,
    context: ObjectiveContext,
    out: Float32Array,
  ): void;
  /**
   * grad[(t − from)·B·D + …] = weight · ∂J_b/∂x̂₀ at token t ≥ from, sample b (the whole plan's J; tokens
   * before `from` are constants to the caller and not written).
   */
  gradient(
    x0Hat: Float32Array,
    horizon: number,
    batch: number,
    context: ObjectiveContext,
    weight: number,
    from: number,
    grad: Float32Array,
  ): void;
}
