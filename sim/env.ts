/**
 * The environment interface every simulated robot implements (Maze2D first, the arm second). The planner,
 * dataset writer and evaluation code use only this; nothing maze-specific belongs here.
 *
 * Conventions (Gymnasium-like): `reset` returns the first observation; `step` applies one action for one
 * control step and returns the *post-step* observation, the reward earned by that transition and whether
 * the episode hit its time limit. Observations and actions are Float64Array in the env's own units.
 */
import type { TokenField } from '../src/tasks/token-layout.js';

export interface BoxSpace {
  /** Per-component lower bound (may be -Infinity). */
  readonly low: Float64Array;
  /** Per-component upper bound (may be +Infinity). */
  readonly high: Float64Array;
  /** Component names, e.g. ['x', 'y', 'vx', 'vy']. */
  readonly labels: readonly string[];
}

export interface ResetOptions {
  /** Fix the goal instead of the task's default (e.g. the Multi2D random-goal setting passes its own). */
  readonly goal?: readonly number[];
  /** Draw a random goal (Multi2D). Ignored when `goal` is given. */
  readonly randomGoal?: boolean;
  /** Task-specific start override (e.g. a maze cell); implementations document what they accept. */
  readonly start?: readonly number[];
  /** Force one of the env's `cases` (e.g. the arm's 'AB' / 'BA'); envs without cases ignore it. */
  readonly case?: string;
}

export interface ResetResult {
  readonly observation: Float64Array;
  readonly info: EnvInfo;
}

export interface StepResult {
  readonly observation: Float64Array;
  readonly reward: number;
  /** Time limit reached (episodeLength steps since reset). */
  readonly truncated: boolean;
  /** Task ended on its own (Maze2D never terminates). */
  readonly terminated: boolean;
  readonly info: EnvInfo;
}

export interface EnvInfo {
  /** Current goal in observation coordinates, if the task has one. */
  readonly goal?: readonly number[];
  /** Steps since reset. */
  readonly t: number;
  /**
   * Set on the step that ends the episode by tasks judged on their final state (the arm): whether the
   * episode succeeded at its end. Not the same as a `success` that was reached once along the way.
   */
  readonly episodeSuccess?: boolean;
  /** Task-specific extras (e.g. `success` for reaching the goal). */
  readonly [key: string]: unknown;
}

export interface Env {
  /** Task id, e.g. 'maze2d-medium'. */
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** Steps per episode (time limit). */
  readonly episodeLength: number;
  /** Control period in seconds. */
  readonly dt: number;
  /**
   * Token fields one env step produces, in token order [action, reward, next observation…]. The reward field
   * is optional: a pure imitation task (the arm) has none, and its `StepResult.reward` is then always 0.
   */
  readonly tokenFields: readonly TokenField[];
  /** Named start cases `ResetOptions.case` accepts (e.g. ['AB', 'BA']); absent when the task has none. */
  readonly cases?: readonly string[];
  reset(seed: number, options?: ResetOptions): ResetResult;
  /** Throws InputError for a wrong-length action or NaN/inf components. */
  step(action: ArrayLike<number>): StepResult;
  /** Frees native (WASM) resources. The env is unusable afterwards. */
  close(): void;
}
