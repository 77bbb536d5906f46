/**
 * Maze2D offline datasets the D4RL way (docs/maze2d.md §9.2–§9.4): one continuous stream from the waypoint expert
 * chasing random goals with σ = 0.5 Gaussian action noise, written in a small documented binary format.
 *
 * Generation, per step t (one stream, the env is reset once):
 *   (a, solved) = expert(obs_t, goal);  a ← clip(a + σ·N(0, I), ±1)
 *   done_t = solved or ts ≥ episodeLength         (ts = steps since the current goal was drawn)
 *   obs_{t+1} = env.step(a);  if done_t: goal ← random goal (free cell + U(−0.1, 0.1)²), ts ← 0
 *   rewards[t]      = 1 if ‖obs_t.xy − G‖ ≤ 0.5    (D4RL's offline relabel: pre-step state, eval goal G)
 *   rewardsNext[t]  = 1 if ‖obs_{t+1}.xy − G‖ ≤ 0.5 (what env.step returns for this transition)
 *
 * Deliberate difference from D4RL: D4RL does not advance `obs` on a segment's last step, so its stream repeats
 * one stale observation and jumps two steps at every goal change (docs/maze2d.md §9.2). We record the true transition
 * (obs_t, a_t, obs_{t+1}) everywhere: the physical state is continuous across segment boundaries; only the goal
 * changes, and `timeouts[t] = 1` marks the last step of each segment. Windows that cross a boundary (as
 * Diffusion Forcing samples them) therefore always see real dynamics.
 *
 * The env enforces its time limit, so the stream re-anchors it every `episodeLength` steps with
 * `reset(seed, { start: [x, y, vx, vy] })`, which restores the exact state (no jitter). Only MuJoCo's solver
 * warm start is lost there, which changes contacts by solver tolerance (~1e-8), far below the action noise.
 *
 * File format: the shared container of sim/dataset-file.ts with magic 'DFMAZE2D', version 1.
 * Version 1 fields:
 *   observations  (N+1) × 4  x, y, vx, vy; row t is the state before action t, row N the final state
 *   actions       N × 2      executed action (after noise and clip)
 *   rewards       N × 1      D4RL sparse relabel from observations[t] against the task's eval goal
 *   rewards_next  N × 1      sparse reward from observations[t+1] (the env's own convention)
 *   goals         N × 2      the random navigation goal the expert was chasing
 *   timeouts      N × 1      1 on the last step of a goal segment (goal reached or time limit), else 0
 */
import { InputError } from '../../src/errors.js';
import { createRng } from '../../src/math/rng.js';
import { writeFileAtomic } from '../../src/write-file-atomic.js';
import {
  columnStats,
  type DatasetFieldSpec,
  type DatasetFormat,
  describeFormat,
  type ReadDatasetOptions,
  readDatasetFile,
  writeDatasetFile,
} from '../dataset-file.js';
import type { Env } from '../env.js';
import { WaypointExpert, type WaypointExpertConfig } from './expert.js';
import { freeCells, goalCell, jitteredCell, mazeTask, withinGoal } from './layouts.js';

export const DATASET_MAGIC = 'DFMAZE2D';
export const DATASET_VERSION = 1;

export interface MazeDataset {
  readonly task: string;
  readonly seed: number;
  readonly noise: number;
  /** N, the number of transitions. */
  readonly steps: number;
  /** (N+1) × 4. */
  readonly observations: Float32Array;
  /** N × 2. */
  readonly actions: Float32Array;
  /** N, relabelled from observations[t] (D4RL). */
  readonly rewards: Float32Array;
  /** N, from observations[t+1]. */
  readonly rewardsNext: Float32Array;
  /** N × 2. */
  readonly goals: Float32Array;
  /** N, 1 at the last step of each goal segment. */
  readonly timeouts: Float32Array;
}

type MazeArrayKey = 'observations' | 'actions' | 'rewards' | 'rewardsNext' | 'goals' | 'timeouts';

const FIELDS: readonly DatasetFieldSpec<MazeArrayKey>[] = [
  {
    name: 'observations',
    key: 'observations',
    columns: 4,
    extraRows: 1,
    description: 'x, y, vx, vy; row t before action t, row N the final state',
  },
  {
    name: 'actions',
    key: 'actions',
    columns: 2,
    extraRows: 0,
    description: 'executed action after noise and clip',
  },
  {
    name: 'rewards',
    key: 'rewards',
    columns: 1,
    extraRows: 0,
    description: 'sparse, from observations[t] vs the eval goal (D4RL relabel)',
  },
  {
    name: 'rewards_next',
    key: 'rewardsNext',
    columns: 1,
    extraRows: 0,
    description: 'sparse, from observations[t+1] vs the eval goal (env convention)',
  },
  {
    name: 'goals',
    key: 'goals',
    columns: 2,
    extraRows: 0,
    description: 'random navigation goal of the segment',
  },
  {
    name: 'timeouts',
    key: 'timeouts',
    columns: 1,
    extraRows: 0,
    description: '1 on the last step of a goal segment',
  },
];

export interface GenerateOptions {
  readonly steps: number;
  readonly seed: number;
  /** σ of the Gaussian action noise; D4RL used 0.5 (§9.4). */
  readonly noise?: number;
  /** Called every `progressEvery` steps and at the end. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
  readonly expertConfig?: Partial<WaypointExpertConfig>;
}

/** Runs the D4RL collection loop on `env` (a Maze2D env of the wanted task) and returns the arrays. */
export function generateMazeDataset(env: Env, options: GenerateOptions): MazeDataset {
  const task = mazeTask(env.id);
  const { steps, seed } = options;
  const noise = options.noise ?? 0.5;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new InputError(`dataset steps must be a whole number ≥ 1, got ${steps}`);
  }
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new InputError(`dataset action noise σ must be a finite number ≥ 0, got ${noise}`);
  }
  const rng = createRng(seed);
  const cells = freeCells(task.maze);
  const evalGoal = goalCell(task.maze);
  const expert = new WaypointExpert(task.maze, rng, options.expertConfig);
  const progressEvery = options.progressEvery ?? 10_000;

  const observations = new Float32Array((steps + 1) * 4);
  const actions = new Float32Array(steps * 2);
  const rewards = new Float32Array(steps);
  const rewardsNext = new Float32Array(steps);
  const goals = new Float32Array(steps * 2);
  const timeouts = new Float32Array(steps);

  let obs = env.reset(rng.int(2 ** 31)).observation;
  let sinceAnchor = 0;
  let goal = jitteredCell(rng, cells);
  let ts = 0;
  observations.set(obs, 0);
  for (let t = 0; t < steps; t++) {
    const { action, solved } = expert.act([obs[0]!, obs[1]!], [obs[2]!, obs[3]!], goal);
    for (let k = 0; k < 2; k++) action[k] = clip1(action[k]! + (noise > 0 ? noise * rng.normal() : 0));
    const done = solved || ts >= task.episodeLength;
    actions.set(action, t * 2);
    goals[t * 2] = goal[0];
    goals[t * 2 + 1] = goal[1];
    timeouts[t] = done ? 1 : 0;
    rewards[t] = withinGoal(obs, evalGoal) ? 1 : 0;

    if (sinceAnchor === env.episodeLength) {
      env.reset(0, { start: Array.from(obs) });
      sinceAnchor = 0;
    }
    obs = env.step(action).observation;
    sinceAnchor += 1;
    observations.set(obs, (t + 1) * 4);
    rewardsNext[t] = withinGoal(obs, evalGoal) ? 1 : 0;

    if (done) {
      goal = jitteredCell(rng, cells);
      ts = 0;
    } else {
      ts += 1;
    }
    if (options.onProgress && ((t + 1) % progressEvery === 0 || t + 1 === steps))
      options.onProgress(t + 1, steps);
  }
  return { task: task.id, seed, noise, steps, observations, actions, rewards, rewardsNext, goals, timeouts };
}

function clip1(v: number): number {
  return Math.min(1, Math.max(-1, v));
}

// ---------------------------------------------------------------------------------------------- statistics

export interface DatasetStatistics {
  /** Over observations[0..N−1] (the N pre-action states, as D4RL's `observations`). */
  readonly observationMean: number[];
  readonly observationStd: number[];
  readonly actionMean: number[];
  readonly actionStd: number[];
  /** Of `rewards` (the D4RL relabel), so they compare with the published values. */
  readonly rewardMean: number;
  readonly rewardStd: number;
}

export interface SegmentStatistics {
  readonly segments: number;
  readonly meanSegmentLength: number;
  /** Segments ended by the time limit rather than by reaching the goal. */
  readonly timeLimitEnds: number;
}

/** Per-column mean and population std (numpy's default ddof = 0, as the published yaml values). */
export function datasetStatistics(data: MazeDataset): DatasetStatistics {
  const n = data.steps;
  const obs = columnStats(data.observations.subarray(0, n * 4), 4);
  const act = columnStats(data.actions, 2);
  const rew = columnStats(data.rewards, 1);
  return {
    observationMean: obs.mean,
    observationStd: obs.std,
    actionMean: act.mean,
    actionStd: act.std,
    rewardMean: rew.mean[0]!,
    rewardStd: rew.std[0]!,
  };
}

export function segmentStatistics(data: MazeDataset): SegmentStatistics {
  const episodeLength = mazeTask(data.task).episodeLength;
  let segments = 0;
  let timeLimitEnds = 0;
  let length = 0;
  for (let t = 0; t < data.steps; t++) {
    length += 1;
    if (data.timeouts[t] === 1) {
      segments += 1;
      if (length > episodeLength) timeLimitEnds += 1;
      length = 0;
    }
  }
  return {
    segments,
    meanSegmentLength: segments === 0 ? Number.NaN : (data.steps - length) / segments,
    timeLimitEnds,
  };
}

// ---------------------------------------------------------------------------------------------- file I/O

/** The command that regenerates a dataset, for error messages and the sidecar. */
export function datasetCommand(
  task: string,
  steps: number,
  seed: number,
  noise: number,
  out: string,
): string {
  return `df-planner dataset --task ${task} --steps ${steps} --seed ${seed} --noise ${noise} --out ${out}`;
}

export interface DatasetSidecar {
  readonly task: string;
  readonly seed: number;
  readonly steps: number;
  readonly noise: number;
  readonly format: {
    readonly name: string;
    readonly version: number;
    readonly byteOrder: 'little-endian';
    readonly dtype: 'float32';
    readonly headerBytes: number;
    readonly fields: readonly { name: string; rows: number; columns: number; description: string }[];
  };
  readonly statistics: DatasetStatistics;
  readonly segments: SegmentStatistics;
  readonly staleObservationQuirk: false;
  readonly command: string;
  readonly [extra: string]: unknown;
}

const MAZE_FORMAT: DatasetFormat<MazeArrayKey> = {
  magic: DATASET_MAGIC,
  version: DATASET_VERSION,
  label: 'Maze2D',
  fields: FIELDS,
  foreignHint: 'D4RL HDF5 files are not read directly: generate one with df-planner dataset',
  regenerateCommand: datasetCommand,
  missingHint: (expectTask, path) =>
    expectTask
      ? `generate it with: df-planner dataset --task ${expectTask} --steps 1000000 --seed 0 --out ${path}`
      : 'generate it with: df-planner dataset --task <task> --steps <N> --seed <s> --out <file>',
};

/**
 * Writes `<path>` (binary, via a temporary file renamed into place so a crash never leaves a half file under
 * the real name) and `<path>.json` (sidecar). Returns the sidecar.
 */
export function writeMazeDataset(
  path: string,
  data: MazeDataset,
  extra: Record<string, unknown> = {},
): DatasetSidecar {
  writeDatasetFile(path, MAZE_FORMAT, data, data);

  const sidecar: DatasetSidecar = {
    task: data.task,
    seed: data.seed,
    steps: data.steps,
    noise: data.noise,
    format: describeFormat(MAZE_FORMAT, data.steps),
    statistics: datasetStatistics(data),
    segments: segmentStatistics(data),
    staleObservationQuirk: false,
    command: datasetCommand(data.task, data.steps, data.seed, data.noise, path),
    ...extra,
  };
  writeFileAtomic(`${path}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
  return sidecar;
}

export type { ReadDatasetOptions };

/** Reads and validates a dataset file; every problem is a DatasetError naming the file and the fix. */
export function readMazeDataset(path: string, options: ReadDatasetOptions = {}): MazeDataset {
  const { arrays, ...header } = readDatasetFile(path, MAZE_FORMAT, options);
  return { ...header, ...arrays };
}
