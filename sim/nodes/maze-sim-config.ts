/**
 * The maze sim node's settings as a plain value (the node's parameter table in sim-params.ts maps onto these
 * keys), with defaults and the checks a caller that builds the node directly gets too.
 */
import { ConfigError, type ConfigIssue } from '../../src/errors.js';

export interface MazeSimConfig {
  /** One step per command (true) or wall-clock stepping at 1/dt (false). */
  readonly lockstep: boolean;
  /** Seed of the episode-start stream (episode k uses its k-th draw, as `df-planner eval`). */
  readonly seed: number;
  /** Episodes to run before the node reports done. */
  readonly episodes: number;
  /** Cut episodes after this many steps (0 = the task's time limit). Scores of cut episodes are not D4RL's. */
  readonly maxSteps: number;
  /** Real time only: wall-clock speed, sim seconds per wall second. */
  readonly realTimeFactor: number;
  /** Real time only: start an episode's clock at its first command (the controller is up). */
  readonly waitForController: boolean;
  /** Draw a random goal per episode (Multi2D) instead of the task's fixed goal. */
  readonly randomGoal: boolean;
  /** Fixed start [x, y] (the ball at rest there, every episode); empty = the task's random start draw. */
  readonly start: readonly number[];
}

export const defaultMazeSimConfig: MazeSimConfig = Object.freeze({
  lockstep: false,
  seed: 0,
  episodes: 1,
  maxSteps: 0,
  realTimeFactor: 1,
  waitForController: true,
  randomGoal: false,
  start: [],
});

/** Checks a config; throws one ConfigError naming every bad field. */
export function validateMazeSimConfig(config: MazeSimConfig): MazeSimConfig {
  const issues: ConfigIssue[] = [];
  const whole = (name: keyof MazeSimConfig, min: number) => {
    const v = config[name] as number;
    if (!Number.isSafeInteger(v) || v < min)
      issues.push({ path: name, message: `must be a whole number ≥ ${min}, got ${v}` });
  };
  whole('seed', 0);
  whole('episodes', 1);
  whole('maxSteps', 0);
  if (!(config.realTimeFactor > 0 && config.realTimeFactor <= 100)) {
    issues.push({ path: 'realTimeFactor', message: `must be in (0, 100], got ${config.realTimeFactor}` });
  }
  if (config.start.length !== 0 && (config.start.length !== 2 || !config.start.every(Number.isFinite))) {
    issues.push({
      path: 'start',
      message: `must be [] (random start) or [x, y], got [${config.start.join(', ')}]`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
