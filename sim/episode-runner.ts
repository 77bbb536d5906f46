/**
 * The task-agnostic episode loop: runs a policy on any `Env` for a number of episodes; each task brings its own
 * scoring through an `EpisodeTracker` (the maze's D4RL score in maze2d/evaluate.ts, the arm's final-state
 * success in arm/evaluate.ts). One env is created from the factory and reset per episode; episode k is reset
 * with the k-th draw of `createRng(seed)`, so a (seed, episodes) pair always replays the same starts.
 *
 * A policy sees the post-reset observation and info once (`reset`, with the episode's context), then chooses
 * every action (`act`) from the latest observation and info. Policies that learn from outcomes (MPC planners)
 * also get each post-step observation and reward (`observe`, with `noisy` set when the reading is known to be
 * corrupted), and may hand back a trace of the episode (`endEpisode`: its plans and their timings) that lands
 * in its record. A policy owns its own randomness.
 *
 * Splitting runs: `episodeOffset` o skips the first o starts of the seed's stream, so (seed, offset 0, 100
 * episodes) and (seed, offset 0, 50) + (seed, offset 50, 50) run the same 100 starts; records carry the global
 * index. Whether the *actions* match too depends on the policy (a policy seeded per episode index does).
 */
import { InputError } from '../src/errors.js';
import { createRng } from '../src/math/rng.js';
import type { Env, EnvInfo, ResetOptions } from './env.js';

/** Per-step flags a policy may get with an observation. */
export interface ObserveFlags {
  /** The reading is known to be corrupted (an occluded or distracted sensor). */
  readonly noisy?: boolean;
}

export interface Policy {
  /** `episode` is always given by `runEpisodes`; callers driving a policy by hand may omit it. */
  reset(observation: Float64Array, info: EnvInfo, episode?: EpisodeContext): void;
  act(observation: Float64Array, info: EnvInfo): Float64Array;
  /** The post-step observation, the reward of the transition and info, after every env step. */
  observe?(observation: Float64Array, reward: number, info: EnvInfo, flags?: ObserveFlags): void;
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

/**
 * A task's scoring of one episode: sees the reset and every step (true observation, reward, info), and may
 * change what the policy observes (`sense`: e.g. an occluded sensor). `finish` returns the task's record fields.
 */
export interface EpisodeTracker<R> {
  start(observation: Float64Array, info: EnvInfo): void;
  step(observation: Float64Array, reward: number, info: EnvInfo, steps: number): void;
  /** What the policy sees after step `steps` (default: the env's observation, not flagged). */
  sense?(
    observation: Float64Array,
    info: EnvInfo,
    steps: number,
  ): { observation: Float64Array; noisy: boolean };
  finish(steps: number): R;
}

export interface RunOptions {
  readonly episodes: number;
  readonly seed: number;
  /** Skip the first N starts of the seed's stream (to split a run); default 0. */
  readonly episodeOffset?: number;
  /** Cut every episode after this many steps (smoke runs). */
  readonly maxSteps?: number;
  /** Episodes (run positions 0 … N−1) whose detail is kept (`EpisodeContext.recorded`); default none. */
  readonly recordEpisodes?: number;
  /** Reset options of an episode (e.g. a random goal, or a forced case). */
  readonly resetOptions?: (context: EpisodeContext) => ResetOptions;
  /** Called after each episode with its position k in this run (0 … episodes−1), e.g. for a progress bar. */
  readonly onEpisode?: (k: number, record: EpisodeBase) => void;
  /** Called after every env step: run position k of the episode, steps done so far in it. */
  readonly onStep?: (k: number, steps: number) => void;
}

/** What every task's episode record holds. */
export interface EpisodeBase {
  /** Global episode index (offset included). */
  readonly index: number;
  /** Seed passed to env.reset. */
  readonly resetSeed: number;
  /** Env steps run. */
  readonly steps: number;
  /** What the policy reported about the episode (`Policy.endEpisode`). */
  readonly policyTrace?: PolicyTrace;
}

export interface RunResult<R> {
  readonly seed: number;
  readonly episodeOffset: number;
  /** Steps per episode as run: min(env.episodeLength, maxSteps). */
  readonly episodeLength: number;
  /** The env's own time limit. */
  readonly envEpisodeLength: number;
  readonly envId: string;
  readonly records: readonly (EpisodeBase & R)[];
}

export type EnvFactory<E extends Env = Env> = () => E | Promise<E>;

/** Checks the run options; InputError naming the bad one (`who` prefixes the message). */
export function checkRunOptions(who: string, options: RunOptions): void {
  const { episodes, seed } = options;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new InputError(`${who}: episodes must be a whole number ≥ 1, got ${episodes}`);
  }
  if (!Number.isInteger(seed)) throw new InputError(`${who}: seed must be an integer, got ${seed}`);
  const offset = options.episodeOffset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InputError(`${who}: episodeOffset must be a whole number ≥ 0, got ${offset}`);
  }
  const maxSteps = options.maxSteps;
  if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps < 1)) {
    throw new InputError(`${who}: maxSteps must be a whole number ≥ 1, got ${maxSteps}`);
  }
}

/**
 * Runs `options.episodes` episodes of `policy` on one env from `envFactory` (closed at the end), scoring each
 * with a fresh tracker from `track(env, context)`.
 */
export async function runEpisodes<E extends Env, R>(
  envFactory: EnvFactory<E>,
  policy: Policy,
  track: (env: E, context: EpisodeContext) => EpisodeTracker<R>,
  options: RunOptions,
  who = 'runEpisodes',
): Promise<RunResult<R>> {
  checkRunOptions(who, options);
  const offset = options.episodeOffset ?? 0;
  const env = await envFactory();
  try {
    const steps = Math.min(env.episodeLength, options.maxSteps ?? env.episodeLength);
    const seeds = createRng(options.seed);
    for (let k = 0; k < offset; k++) seeds.int(2 ** 31);
    const records: (EpisodeBase & R)[] = [];
    const recordEpisodes = options.recordEpisodes ?? 0;
    for (let k = 0; k < options.episodes; k++) {
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
        track(env, context),
        context,
        options.resetOptions?.(context) ?? {},
        onStep && ((t) => onStep(k, t)),
      );
      records.push(record);
      options.onEpisode?.(k, record);
    }
    return {
      seed: options.seed,
      episodeOffset: offset,
      episodeLength: steps,
      envEpisodeLength: env.episodeLength,
      envId: env.id,
      records,
    };
  } finally {
    env.close();
  }
}

function runEpisode<R>(
  env: Env,
  policy: Policy,
  tracker: EpisodeTracker<R>,
  context: EpisodeContext,
  resetOptions: ResetOptions,
  onStep: ((steps: number) => void) | undefined,
): EpisodeBase & R {
  const reset = env.reset(context.resetSeed, resetOptions);
  let obs = reset.observation;
  let info = reset.info;
  tracker.start(obs, info);
  policy.reset(obs, info, context);
  let steps = 0;
  for (let t = 0; t < context.steps; t++) {
    const action = policy.act(obs, info);
    const result = env.step(action);
    info = result.info;
    steps = t + 1;
    tracker.step(result.observation, result.reward, info, steps);
    const sensed = tracker.sense?.(result.observation, info, steps);
    obs = sensed?.observation ?? result.observation;
    policy.observe?.(obs, result.reward, info, sensed?.noisy ? { noisy: true } : {});
    onStep?.(steps);
    if (result.truncated || result.terminated) break;
  }
  const policyTrace = policy.endEpisode?.();
  return {
    index: context.index,
    resetSeed: context.resetSeed,
    steps,
    ...tracker.finish(steps),
    ...(policyTrace ? { policyTrace } : {}),
  };
}
