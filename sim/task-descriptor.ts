/**
 * What one task is, for every command: the descriptor a task folder exports and sim/task-registry.ts lists.
 * The CLI (train, dataset, eval, run, node, sim-node, bench) and the sim node read their task choices and the
 * task's behaviour from it, never from lists of their own. It lives in sim/ because it names the env contract;
 * src/ reads it only through src/cli and src/bench (test/import-rules.test.ts).
 */
import type { Logger } from '../src/logging.js';
import type { TrainingTask } from '../src/tasks/index.js';
import type { Env } from './env.js';

/** The `df-planner` commands that take `--task` (or a `task` parameter). */
export const TASK_COMMANDS = ['train', 'dataset', 'eval', 'run', 'node', 'sim-node', 'bench'] as const;
export type TaskCommand = (typeof TASK_COMMANDS)[number];

/**
 * The robot a task runs on: picks the planner node's robot interface (topics, messages, safe command), the sim
 * node, the dataset recorder and the picture. Tasks of one robot share them (the three mazes are one robot).
 */
export const ROBOTS = ['maze2d', 'arm'] as const;
export type RobotId = (typeof ROBOTS)[number];

/**
 * How an episode is scored: `d4rl-normalized` = 100·(return − random)/(expert − random) with D4RL's
 * reference returns (the maze); `final-state-success` = judged on the state at the episode's end, reported
 * as a success rate with its confidence interval (the arm).
 */
export const SCORING_FAMILIES = ['d4rl-normalized', 'final-state-success'] as const;
export type ScoringFamily = (typeof SCORING_FAMILIES)[number];

export interface TaskEnvOptions {
  /** Receives MuJoCo engine output (warnings). Default: stderr. */
  readonly logger?: Logger;
}

export interface TaskDescriptor {
  /** The id every command takes (`--task`, the `task` parameter), e.g. 'maze2d-medium'. */
  readonly id: string;
  /** One line for help texts and docs. */
  readonly description: string;
  /** The robot it runs on; null for a task without a robot (generated in code, train only). */
  readonly robot: RobotId | null;
  /**
   * The commands that serve it. A command's `--task` choices are exactly the tasks listing it
   * (test/cli/task-choices.test.ts); a command learns to serve a task by the task adding it here.
   */
  readonly commands: readonly TaskCommand[];
  /** Token layout and dataset loading, default dataset path and the recipe that makes it. */
  readonly training: TrainingTask;
  /** A fresh simulator of the task (the env contract, sim/env.ts); absent when it has none. */
  readonly createEnv?: (options?: TaskEnvOptions) => Promise<Env>;
  /** How eval scores it; null when it has no simulator to evaluate on. */
  readonly scoring: ScoringFamily | null;
  /**
   * The shipped model, relative to the package root (e.g. 'models/maze2d-medium'); its model.json carries the
   * task's tuned planner defaults (`provenance.planner`). Absent while none is shipped.
   */
  readonly modelDir?: string;
}
