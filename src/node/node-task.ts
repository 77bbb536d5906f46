import type { RobotInterface } from './robot-interface.js';

/**
 * What the planner node needs to know about the robot's task beyond the model: rates, episode length, default
 * goal, action bounds and the reward function used when no reward topic delivers one. The CLI builds it from
 * sim/ (only src/cli and src/bench import sim/: test/import-rules.test.ts), tests build it directly.
 */
export interface NodeTask {
  /** Task id, e.g. 'maze2d-umaze'. */
  readonly id: string;
  /** The robot's topics, messages and safe command (maze-interface.ts, arm-interface.ts). */
  readonly robot: RobotInterface;
  /** Env steps per second the model was trained at (maze: 100, h = 0.01 s). Default control rate. */
  readonly stepRateHz: number;
  /** Env steps of one episode (flexible horizon; the latent restarts after this many steps). */
  readonly episodeSteps: number;
  /** Goal used until a goal message arrives ([x, y] for the maze), or null. */
  readonly defaultGoal: readonly number[] | null;
  /** Action bounds the planner clamps to. */
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
  /** The task's reward for being in `observation` (post-step) with `goal` (maze: 1 inside the goal disc). */
  reward(observation: ArrayLike<number>, goal: ArrayLike<number> | null): number;
}
