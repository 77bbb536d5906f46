/**
 * Runs a policy for a number of Maze2D episodes (the task-agnostic loop of ../episode-runner.ts) and scores them
 * the D4RL way (docs/maze2d.md §8), plus success rate and first-reach step (scoring.ts). Episode k is reset with
 * the k-th draw of `createRng(seed)`, so a (seed, episodes) pair always replays the same starts.
 *
 * `info.goal` is the goal a policy must reach; policies, episode contexts and traces are the runner's.
 */
import { InputError } from '../../src/errors.js';
import type { Env } from '../env.js';
import {
  type EnvFactory,
  type EpisodeBase,
  type EpisodeTracker,
  type Policy,
  runEpisodes,
} from '../episode-runner.js';
import { mazeTask, withinGoal } from './layouts.js';
import { type EpisodeOutcome, normalizedScore, type ScoreSummary, summarizeEpisodes } from './scoring.js';

export type {
  EnvFactory,
  EpisodeContext,
  Policy,
  PolicyPlan,
  PolicyTrace,
} from '../episode-runner.js';

export interface EvaluateOptions {
  readonly episodes: number;
  readonly seed: number;
  /** Draw a random goal per episode (Diffuser's Multi2D) instead of the task's fixed goal. */
  readonly randomGoal?: boolean;
  /** Keep each episode's positions (for pictures). Default false. */
  readonly recordTrajectories?: boolean;
  /** With `recordTrajectories`: record only the first N episodes of this run (default all). */
  readonly recordEpisodes?: number;
  /** Skip the first N starts of the seed's stream (to split a run); default 0. */
  readonly episodeOffset?: number;
  /** Cut every episode after this many steps (smoke runs; scores are then not D4RL-comparable). */
  readonly maxSteps?: number;
  /** Called after each episode with its position k in this run (0 … episodes−1), e.g. for a progress bar. */
  readonly onEpisode?: (k: number, record: EpisodeRecord) => void;
  /** Called after every env step: run position k of the episode, steps done so far in it. */
  readonly onStep?: (k: number, steps: number) => void;
}

/** The maze's own fields of an episode record. */
interface MazeEpisodeFields extends EpisodeOutcome {
  readonly normalizedScore: number;
  readonly start: readonly [number, number];
  readonly goal: readonly [number, number];
  /** (steps + 1) × 2 positions [x0, y0, x1, y1, …] when recorded. */
  readonly trajectory?: Float64Array;
}

export interface EpisodeRecord extends EpisodeBase, MazeEpisodeFields {}

export interface EvaluationResult extends ScoreSummary {
  readonly task: string;
  readonly seed: number;
  readonly episodeOffset: number;
  readonly randomGoal: boolean;
  /** Steps per episode as run: min(env.episodeLength, maxSteps). */
  readonly episodeLength: number;
  /** The env's own time limit. */
  readonly envEpisodeLength: number;
  readonly records: readonly EpisodeRecord[];
}

/** Runs `policy` on a Maze2D env for `options.episodes` episodes and scores them (D4RL, success, first reach). */
export async function evaluatePolicy(
  envFactory: EnvFactory,
  policy: Policy,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const randomGoal = options.randomGoal === true;
  const recordEpisodes = options.recordTrajectories ? (options.recordEpisodes ?? options.episodes) : 0;
  const onEpisode = options.onEpisode;
  const run = await runEpisodes(
    envFactory,
    policy,
    (env, context) => mazeTracker(env, context.recorded, context.steps),
    {
      episodes: options.episodes,
      seed: options.seed,
      recordEpisodes,
      resetOptions: () => (randomGoal ? { randomGoal: true } : {}),
      ...(options.episodeOffset !== undefined ? { episodeOffset: options.episodeOffset } : {}),
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      ...(onEpisode ? { onEpisode: (k, r) => onEpisode(k, r as EpisodeRecord) } : {}),
      ...(options.onStep ? { onStep: options.onStep } : {}),
    },
    'evaluatePolicy',
  );
  const task = mazeTask(run.envId);
  return {
    task: task.id,
    seed: run.seed,
    episodeOffset: run.episodeOffset,
    randomGoal,
    episodeLength: run.episodeLength,
    envEpisodeLength: run.envEpisodeLength,
    ...summarizeEpisodes(task, run.records),
    records: run.records,
  };
}

/**
 * The maze's scoring of one episode: the return, success = the post-step position inside the goal disc at
 * least once (or the env's own `info.success`), the first reach, and the positions when recorded.
 */
function mazeTracker(env: Env, recorded: boolean, maxSteps: number): EpisodeTracker<MazeEpisodeFields> {
  const task = mazeTask(env.id);
  let goal: readonly number[] = [];
  let start: [number, number] = [0, 0];
  let trajectory: Float64Array | undefined;
  let episodeReturn = 0;
  let firstReachStep: number | null = null;
  return {
    start(obs, info) {
      if (!info.goal || info.goal.length < 2)
        throw new InputError(`env ${env.id} reported no goal in info.goal after reset`);
      goal = info.goal;
      start = [obs[0]!, obs[1]!];
      trajectory = recorded ? new Float64Array((maxSteps + 1) * 2) : undefined;
      trajectory?.set(start, 0);
    },
    step(obs, reward, info, steps) {
      episodeReturn += reward;
      trajectory?.set([obs[0]!, obs[1]!], steps * 2);
      const inside = typeof info['success'] === 'boolean' ? info['success'] : withinGoal(obs, goal);
      if (inside && firstReachStep === null) firstReachStep = steps;
    },
    finish(steps) {
      return {
        episodeReturn,
        steps,
        success: firstReachStep !== null,
        firstReachStep,
        normalizedScore: normalizedScore(task, episodeReturn),
        start,
        goal: [goal[0]!, goal[1]!],
        ...(trajectory ? { trajectory: trajectory.subarray(0, (steps + 1) * 2) } : {}),
      };
    },
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
