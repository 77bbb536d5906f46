/**
 * The fruit-swap arm's scoring of policy episodes (on the task-agnostic loop of ../episode-runner.ts).
 *
 * Per episode, from the true (noise-free) state the env reports in `info`:
 *   success          the env's final verdict (`info.episodeSuccess`, success.ts) on the step that ends it
 *   successStep      time to success: the first step of the final unbroken run of success (null on failure)
 *   moves            completed moves: changes of the resting arrangement (both fruits upright in two different
 *                    slots); a fruit in the gripper or in transit does not change it
 *   wrongMoves       moves that do not follow the swap's path from the current arrangement: the path is
 *                    start → (apple in C) → (the orange in the apple's start slot) → goal; a move off the path,
 *                    backwards or from an arrangement off the path is wrong
 *   occludedSteps    steps whose fruit readings were corrupted (`--occlude`, occlusion.ts)
 * Recorded episodes also keep the slot of each fruit per step (for the picture) and the true grasp point path.
 *
 * Episodes draw their case (AB/BA) from the reset seed, 50/50; `balanceCases` forces AB on even and BA on odd
 * global episode indices instead, so 100 episodes are exactly 50 per case (the reset seed still draws the
 * jitter and the noise).
 */
import { wilsonInterval } from '../../src/math/binomial.js';
import type { EnvInfo } from '../env.js';
import {
  type EnvFactory,
  type EpisodeBase,
  type EpisodeTracker,
  type Policy,
  runEpisodes,
} from '../episode-runner.js';
import type { ArmEnv, ArmInfo } from './arm-env.js';
import type { FruitName, SlotName } from './geometry.js';
import { createOcclusion, type OcclusionSpec } from './occlusion.js';
import { goalSlots, SWAP_CASES, type SwapCase, startSlots } from './success.js';

/** Slot codes of the per-step occupancy record: A, C, B top to bottom as on the table (y descending); −1 = none. */
export const SLOT_CODES: Readonly<Record<SlotName, number>> = { A: 0, C: 1, B: 2 };

export interface ArmEpisodeFields {
  readonly case: SwapCase;
  readonly success: boolean;
  readonly successStep: number | null;
  readonly moves: number;
  readonly wrongMoves: number;
  readonly occludedSteps: number;
  /** Recorded episodes: slot code per fruit after each step, [apple₀, orange₀, apple₁, …], step 0 = reset. */
  readonly slots?: Int8Array;
  /** Recorded episodes: the true grasp point (x, y) after each step, step 0 = reset. */
  readonly path?: Float64Array;
}

export interface ArmEpisodeRecord extends EpisodeBase, ArmEpisodeFields {}

export interface ArmCaseSummary {
  readonly episodes: number;
  readonly successes: number;
  readonly successRate: number;
}

export interface ArmSummary {
  readonly episodes: number;
  readonly successes: number;
  readonly successRate: number;
  /** Wilson 95 % interval of the success rate. */
  readonly successCi95: readonly [number, number];
  readonly perCase: Readonly<Record<SwapCase, ArmCaseSummary>>;
  readonly wrongMovesMean: number;
  /** Fraction of episodes with at least one wrong move. */
  readonly episodesWithWrongMoves: number;
  readonly movesMean: number;
  /** Mean time to success in seconds over the successful episodes (null if none). */
  readonly timeToSuccessMean: number | null;
  readonly occludedStepsMean: number;
}

export interface ArmEvaluateOptions {
  readonly episodes: number;
  readonly seed: number;
  readonly episodeOffset?: number;
  readonly maxSteps?: number;
  /** Keep slots and path of the first N episodes of the run (for pictures); default 0. */
  readonly recordEpisodes?: number;
  /** Force AB on even, BA on odd global episode indices (exactly balanced cases). Default false. */
  readonly balanceCases?: boolean;
  /** Corrupt the fruit readings the policy sees (occlusion.ts); the scoring always reads the true state. */
  readonly occlusion?: OcclusionSpec;
  /** Flag corrupted readings as noisy to the policy (`observe(…, { noisy: true })`). Default false. */
  readonly flagNoisy?: boolean;
  readonly onEpisode?: (k: number, record: ArmEpisodeRecord) => void;
  readonly onStep?: (k: number, steps: number) => void;
}

export interface ArmEvaluation extends ArmSummary {
  readonly task: string;
  readonly seed: number;
  readonly episodeOffset: number;
  readonly episodeLength: number;
  readonly envEpisodeLength: number;
  readonly records: readonly ArmEpisodeRecord[];
}

export async function evaluateArmPolicy(
  envFactory: EnvFactory<ArmEnv>,
  policy: Policy,
  options: ArmEvaluateOptions,
): Promise<ArmEvaluation> {
  const onEpisode = options.onEpisode;
  const run = await runEpisodes(
    envFactory,
    policy,
    (env, context) =>
      armTracker(env, context.recorded, options.occlusion, options.flagNoisy === true, context.resetSeed),
    {
      episodes: options.episodes,
      seed: options.seed,
      recordEpisodes: options.recordEpisodes ?? 0,
      ...(options.balanceCases ? { resetOptions: (c) => ({ case: SWAP_CASES[c.index % 2]! }) } : {}),
      ...(options.episodeOffset !== undefined ? { episodeOffset: options.episodeOffset } : {}),
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      ...(onEpisode ? { onEpisode: (k, r) => onEpisode(k, r as ArmEpisodeRecord) } : {}),
      ...(options.onStep ? { onStep: options.onStep } : {}),
    },
    'evaluateArmPolicy',
  );
  return {
    task: run.envId,
    seed: run.seed,
    episodeOffset: run.episodeOffset,
    episodeLength: run.episodeLength,
    envEpisodeLength: run.envEpisodeLength,
    ...summarizeArmEpisodes(run.records, 0.1),
    records: run.records,
  };
}

/** Success rate with its Wilson interval, per case, wrong moves and time to success (`dt` s per step). */
export function summarizeArmEpisodes(records: readonly ArmEpisodeFields[], dt: number): ArmSummary {
  const n = records.length;
  const successes = records.filter((r) => r.success).length;
  const mean = (values: readonly number[]) =>
    values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
  const perCase = Object.fromEntries(
    SWAP_CASES.map((c) => {
      const of = records.filter((r) => r.case === c);
      const won = of.filter((r) => r.success).length;
      return [
        c,
        { episodes: of.length, successes: won, successRate: of.length === 0 ? Number.NaN : won / of.length },
      ];
    }),
  ) as Record<SwapCase, ArmCaseSummary>;
  const times = records.flatMap((r) => (r.success && r.successStep !== null ? [r.successStep * dt] : []));
  return {
    episodes: n,
    successes,
    successRate: n === 0 ? Number.NaN : successes / n,
    successCi95: wilsonInterval(successes, n),
    perCase,
    wrongMovesMean: mean(records.map((r) => r.wrongMoves)),
    episodesWithWrongMoves: n === 0 ? Number.NaN : records.filter((r) => r.wrongMoves > 0).length / n,
    movesMean: mean(records.map((r) => r.moves)),
    timeToSuccessMean: times.length === 0 ? null : mean(times),
    occludedStepsMean: mean(records.map((r) => r.occludedSteps)),
  };
}

type Arrangement = `${SlotName}${SlotName}`;

/** The resting arrangement (apple slot, orange slot), or null while a fruit is held, moving or off the slots. */
export function restingArrangement(slots: Readonly<Record<FruitName, SlotName | null>>): Arrangement | null {
  const { apple, orange } = slots;
  if (apple === null || orange === null || apple === orange) return null;
  return `${apple}${orange}`;
}

/** The expert's arrangements of a case, in order: start, apple in C, orange moved, goal. */
export function swapPath(swapCase: SwapCase): Arrangement[] {
  const start = startSlots(swapCase);
  const goal = goalSlots(swapCase);
  return [
    `${start.apple}${start.orange}`,
    `C${start.orange}`,
    `C${goal.orange}`,
    `${goal.apple}${goal.orange}`,
  ];
}

/** Counts moves and wrong moves from a stream of resting arrangements. */
export function moveCounter(swapCase: SwapCase) {
  const path = swapPath(swapCase);
  let current: Arrangement | null = path[0]!;
  let moves = 0;
  let wrong = 0;
  return {
    get moves() {
      return moves;
    },
    get wrongMoves() {
      return wrong;
    },
    /** Feeds the arrangement after a step (null = not at rest: ignored). */
    update(arrangement: Arrangement | null): void {
      if (arrangement === null || arrangement === current) return;
      const at = current === null ? -1 : path.indexOf(current);
      if (at < 0 || path[at + 1] !== arrangement) wrong++;
      moves++;
      current = arrangement;
    },
  };
}

function armTracker(
  env: ArmEnv,
  recorded: boolean,
  occlusionSpec: OcclusionSpec | undefined,
  flagNoisy: boolean,
  resetSeed: number,
): EpisodeTracker<ArmEpisodeFields> {
  let swapCase: SwapCase = 'AB';
  let counter = moveCounter(swapCase);
  let successSince: number | null = null;
  let finalSuccess: boolean | null = null;
  const occlusion = occlusionSpec ? createOcclusion(occlusionSpec, resetSeed) : null;
  const slots: number[] = [];
  const path: number[] = [];
  const keep = (info: EnvInfo) => {
    if (!recorded) return;
    const s = (info as ArmInfo).fruitSlots;
    slots.push(s.apple === null ? -1 : SLOT_CODES[s.apple], s.orange === null ? -1 : SLOT_CODES[s.orange]);
    const g = env.truth().grasp;
    path.push(g[0], g[1]);
  };
  return {
    start(_obs, info) {
      swapCase = (info as ArmInfo).case;
      counter = moveCounter(swapCase);
      keep(info);
    },
    step(_obs, _reward, info, steps) {
      const arm = info as ArmInfo;
      counter.update(restingArrangement(arm.fruitSlots));
      if (arm.success) successSince ??= steps;
      else successSince = null;
      if (typeof arm.episodeSuccess === 'boolean') finalSuccess = arm.episodeSuccess;
      keep(info);
    },
    ...(occlusion
      ? {
          sense(obs: Float64Array, _info: EnvInfo, steps: number) {
            const sensed = occlusion.sense(obs, steps, counter.moves);
            return { observation: sensed.observation, noisy: flagNoisy && sensed.noisy };
          },
        }
      : {}),
    finish() {
      // A run cut short (--max-steps) has no final verdict: the state at the cut is judged.
      const success = finalSuccess ?? successSince !== null;
      return {
        case: swapCase,
        success,
        successStep: success ? successSince : null,
        moves: counter.moves,
        wrongMoves: counter.wrongMoves,
        occludedSteps: occlusion?.occludedSteps ?? 0,
        ...(recorded ? { slots: Int8Array.from(slots), path: Float64Array.from(path) } : {}),
      };
    },
  };
}
