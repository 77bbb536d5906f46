/**
 * Runs a policy for a number of Maze2D episodes and scores them the D4RL way (docs/maze2d.md §8), plus success rate
 * and first-reach step (scoring.ts). One env is created from the factory and reset per episode; episode k is
 * reset with the k-th draw of `createRng(seed)`, so a (seed, episodes) pair always replays the same starts.
 *
 * A policy sees the post-reset observation and info once (`reset`, with the episode's context), then chooses
 * every action (`act`) from the latest observation and info (`info.goal` is the goal it must reach). Policies
 * that learn from outcomes (MPC planners) also get each post-step observation and reward (`observe`), and may
 * hand back a trace of the episode (`endEpisode`: its plans and their timings) that lands in its record. A policy
 * owns its own randomness.
 *
 * Splitting runs: `episodeOffset` o skips the first o starts of the seed's stream, so (seed, offset 0, 100
 * episodes) and (seed, offset 0, 50) + (seed, offset 50, 50) run the same 100 starts; records carry the global
 * index. Whether the *actions* match too depends on the policy (a policy seeded per episode index does).
 */

import { InputError } from '../../src/errors.js';
import { createRng } from '../../src/math/rng.js';
import type { Env, EnvInfo } from '../env.js';
import { mazeTask, withinGoal } from './layouts.js';
import { type EpisodeOutcome, normalizedScore, type ScoreSummary, summarizeEpisodes } from './scoring.js';

export interface Policy {
  /** `episode` is always given by `evaluatePolicy`; callers driving a policy by hand may omit it. */
  reset(observation: Float64Array, info: EnvInfo, episode?: EpisodeContext): void;
  act(observation: Float64Array, info: EnvInfo): Float64Array;
  /** The post-step observation, the reward of the transition and info, after every env step. */
  observe?(observation: Float64Array, reward: number, info: EnvInfo): void;
  /** Called once the episode ended; the trace is stored in the episode's record. */
  endEpisode?(): PolicyTrace | undefined;
}

/** What `reset` learns about the episode it starts. */
export interface EpisodeContext {
  /** Global episode index (offset included): the start is the index-th draw of the seed's stream. */
  readonly index: number;
  readonly resetSeed: number;
  /** Steps this episode will run: min(env.episodeLength, maxSteps). */
  readonly steps: number;
  /** Whether the episode is recorded (trajectory kept): the policy may keep costly detail (plans) for it. */
  readonly recorded: boolean;
}

/** One decision of a replanning policy: when it happened, what it cost, and what it planned. */
export interface PolicyPlan {
  /** Env steps taken before the plan (0 = right after reset). */
  readonly step: number;
  /** Wall time of the decision (a planner's plan()), ms. */
  readonly ms: number;
  /** Network cell calls the decision made, when the policy counts them. */
  readonly cellCalls?: number;
  /** Whether the decision started from the previous one (warm start). */
  readonly warm?: boolean;
  /** Planned positions [x0, y0, x1, y1, …] from the position at the plan on (recorded episodes only). */
  readonly plan?: Float64Array;
}

/** A policy's own account of one episode. */
export interface PolicyTrace {
  readonly plans: readonly PolicyPlan[];
  /** Wall time of each act() / observe() call outside the plans, ms (per env step). */
  readonly actMs?: Float64Array;
  readonly observeMs?: Float64Array;
}

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

export interface EpisodeRecord extends EpisodeOutcome {
  /** Global episode index (offset included). */
  readonly index: number;
  /** Seed passed to env.reset. */
  readonly resetSeed: number;
  readonly normalizedScore: number;
  readonly start: readonly [number, number];
  readonly goal: readonly [number, number];
  /** (steps + 1) × 2 positions [x0, y0, x1, y1, …] when recorded. */
  readonly trajectory?: Float64Array;
  /** What the policy reported about the episode (`Policy.endEpisode`). */
  readonly policyTrace?: PolicyTrace;
}

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
  const offset = options.episodeOffset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InputError(`evaluatePolicy: episodeOffset must be a whole number ≥ 0, got ${offset}`);
  }
  const maxSteps = options.maxSteps;
  if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps < 1)) {
    throw new InputError(`evaluatePolicy: maxSteps must be a whole number ≥ 1, got ${maxSteps}`);
  }
  const env = await envFactory();
  try {
    const task = mazeTask(env.id);
    const steps = Math.min(env.episodeLength, maxSteps ?? env.episodeLength);
    const seeds = createRng(seed);
    for (let k = 0; k < offset; k++) seeds.int(2 ** 31);
    const records: EpisodeRecord[] = [];
    const recordEpisodes = options.recordTrajectories ? (options.recordEpisodes ?? episodes) : 0;
    for (let k = 0; k < episodes; k++) {
      const context: EpisodeContext = {
        index: offset + k,
        resetSeed: seeds.int(2 ** 31),
        steps,
        recorded: k < recordEpisodes,
      };
      const onStep = options.onStep;
      const record = runEpisode(
        env,
        policy,
        context,
        options.randomGoal === true,
        onStep && ((t) => onStep(k, t)),
      );
      records.push({ ...record, normalizedScore: normalizedScore(task, record.episodeReturn) });
      options.onEpisode?.(k, records[k]!);
    }
    return {
      task: task.id,
      seed,
      episodeOffset: offset,
      randomGoal: options.randomGoal === true,
      episodeLength: steps,
      envEpisodeLength: env.episodeLength,
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
  context: EpisodeContext,
  randomGoal: boolean,
  onStep: ((steps: number) => void) | undefined,
): Omit<EpisodeRecord, 'normalizedScore'> {
  const reset = env.reset(context.resetSeed, randomGoal ? { randomGoal: true } : {});
  let obs = reset.observation;
  let info = reset.info;
  const goal = info.goal;
  if (!goal || goal.length < 2)
    throw new InputError(`env ${env.id} reported no goal in info.goal after reset`);
  const start: [number, number] = [obs[0]!, obs[1]!];
  const trajectory = context.recorded ? new Float64Array((context.steps + 1) * 2) : undefined;
  if (trajectory) trajectory.set(start, 0);
  policy.reset(obs, info, context);
  let episodeReturn = 0;
  let firstReachStep: number | null = null;
  let steps = 0;
  for (let t = 0; t < context.steps; t++) {
    const action = policy.act(obs, info);
    const result = env.step(action);
    obs = result.observation;
    info = result.info;
    steps = t + 1;
    episodeReturn += result.reward;
    policy.observe?.(obs, result.reward, info);
    if (trajectory) trajectory.set([obs[0]!, obs[1]!], steps * 2);
    const inside = typeof info['success'] === 'boolean' ? info['success'] : withinGoal(obs, goal);
    if (inside && firstReachStep === null) firstReachStep = steps;
    onStep?.(steps);
    if (result.truncated || result.terminated) break;
  }
  const policyTrace = policy.endEpisode?.();
  return {
    index: context.index,
    resetSeed: context.resetSeed,
    episodeReturn,
    steps,
    success: firstReachStep !== null,
    firstReachStep,
    start,
    goal: [goal[0]!, goal[1]!],
    ...(trajectory ? { trajectory: trajectory.subarray(0, (steps + 1) * 2) } : {}),
    ...(policyTrace ? { policyTrace } : {}),
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
