/**
 * Runs a policy for a number of Maze2D episodes and scores them the D4RL way (maze2d.md §8), plus success rate
 * and first-reach step (scoring.ts). One env is created from the factory and reset per episode; episode k is
 * reset with the k-th draw of `createRng(seed)`, so a (seed, episodes) pair always replays the same starts.
 *
 * A policy sees the post-reset observation and info once (`reset`), then chooses every action (`act`) from the
 * latest observation and info (`info.goal` is the goal it must reach). It owns its own randomness.
 */

import { InputError } from '../../src/errors.js';
import { createRng } from '../../src/math/rng.js';
import type { Env, EnvInfo } from '../env.js';
import { mazeTask, withinGoal } from './layouts.js';
import { type EpisodeOutcome, normalizedScore, type ScoreSummary, summarizeEpisodes } from './scoring.js';

export interface Policy {
  reset(observation: Float64Array, info: EnvInfo): void;
  act(observation: Float64Array, info: EnvInfo): Float64Array;
}

export interface EvaluateOptions {
  readonly episodes: number;
  readonly seed: number;
  /** Draw a random goal per episode (Diffuser's Multi2D) instead of the task's fixed goal. */
  readonly randomGoal?: boolean;
  /** Keep each episode's positions (for pictures). Default false. */
  readonly recordTrajectories?: boolean;
  /** Called after each episode, e.g. to drive a progress bar. */
  readonly onEpisode?: (index: number, record: EpisodeRecord) => void;
}

export interface EpisodeRecord extends EpisodeOutcome {
  /** Seed passed to env.reset. */
  readonly resetSeed: number;
  readonly normalizedScore: number;
  readonly start: readonly [number, number];
  readonly goal: readonly [number, number];
  /** (steps + 1) × 2 positions [x0, y0, x1, y1, …] when recorded. */
  readonly trajectory?: Float64Array;
}

export interface EvaluationResult extends ScoreSummary {
  readonly task: string;
  readonly seed: number;
  readonly randomGoal: boolean;
  readonly episodeLength: number;
  readonly records: readonly EpisodeRecord[];
}

export type EnvFactory = () => Env | Promise<Env>;

export async function evaluatePolicy(
  envFactory: EnvFactory,
  policy: Policy,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const { episodes, seed } = options;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new InputError(`evaluatePolicy: episodes must be a whole number ≥ 1, got ${episodes}`);
  }
  if (!Number.isInteger(seed)) throw new InputError(`evaluatePolicy: seed must be an integer, got ${seed}`);
  const env = await envFactory();
  try {
    const task = mazeTask(env.id);
    const seeds = createRng(seed);
    const records: EpisodeRecord[] = [];
    for (let k = 0; k < episodes; k++) {
      const resetSeed = seeds.int(2 ** 31);
      const record = runEpisode(env, policy, resetSeed, options);
      records.push({ ...record, normalizedScore: normalizedScore(task, record.episodeReturn) });
      options.onEpisode?.(k, records[k]!);
    }
    return {
      task: task.id,
      seed,
      randomGoal: options.randomGoal === true,
      episodeLength: env.episodeLength,
      ...summarizeEpisodes(task, records),
      records,
    };
  } finally {
    env.close();
  }
}

function runEpisode(
  env: Env,
  policy: Policy,
  resetSeed: number,
  options: EvaluateOptions,
): Omit<EpisodeRecord, 'normalizedScore'> {
  const reset = env.reset(resetSeed, options.randomGoal ? { randomGoal: true } : {});
  let obs = reset.observation;
  let info = reset.info;
  const goal = info.goal;
  if (!goal || goal.length < 2)
    throw new InputError(`env ${env.id} reported no goal in info.goal after reset`);
  const start: [number, number] = [obs[0]!, obs[1]!];
  const trajectory = options.recordTrajectories ? new Float64Array((env.episodeLength + 1) * 2) : undefined;
  if (trajectory) trajectory.set(start, 0);
  policy.reset(obs, info);
  let episodeReturn = 0;
  let firstReachStep: number | null = null;
  let steps = 0;
  for (let t = 0; t < env.episodeLength; t++) {
    const action = policy.act(obs, info);
    const result = env.step(action);
    obs = result.observation;
    info = result.info;
    steps = t + 1;
    episodeReturn += result.reward;
    if (trajectory) trajectory.set([obs[0]!, obs[1]!], steps * 2);
    const inside = typeof info['success'] === 'boolean' ? info['success'] : withinGoal(obs, goal);
    if (inside && firstReachStep === null) firstReachStep = steps;
    if (result.truncated || result.terminated) break;
  }
  return {
    resetSeed,
    episodeReturn,
    steps,
    success: firstReachStep !== null,
    firstReachStep,
    start,
    goal: [goal[0]!, goal[1]!],
    ...(trajectory ? { trajectory: trajectory.subarray(0, (steps + 1) * 2) } : {}),
  };
}

/** Uniform random actions in [−1, 1]² (D4RL's ref_min policy, `action_space.sample()`). */
export function randomPolicy(rng: { uniform(): number }): Policy {
  return {
    reset() {},
    act() {
      return Float64Array.of(2 * rng.uniform() - 1, 2 * rng.uniform() - 1);
    },
  };
}
