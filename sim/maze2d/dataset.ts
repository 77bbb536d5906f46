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
 * File format, version 1 (all little-endian):
 *   offset  size     content
 *   0       8        magic, ASCII 'DFMAZE2D'
 *   8       4        u32 format version (1)
 *   12      4        u32 H, header size in bytes (multiple of 8); arrays start at byte H
 *   16      4        u32 N, number of transitions
 *   20      4        u32 F, number of fields
 *   24      8        f64 generation seed
 *   32      8        f64 action noise σ
 *   40      32       task id, ASCII, NUL-padded (e.g. 'maze2d-medium')
 *   72      F × 24   field descriptors: name (16 bytes ASCII, NUL-padded), u32 rows, u32 columns
 *   …       …        zero padding up to H
 *   H       …        the F arrays in descriptor order, float32, rows × columns, row-major
 * File size = H + 4 · Σ rows·columns. Version 1 fields:
 *   observations  (N+1) × 4  x, y, vx, vy; row t is the state before action t, row N the final state
 *   actions       N × 2      executed action (after noise and clip)
 *   rewards       N × 1      D4RL sparse relabel from observations[t] against the task's eval goal
 *   rewards_next  N × 1      sparse reward from observations[t+1] (the env's own convention)
 *   goals         N × 2      the random navigation goal the expert was chasing
 *   timeouts      N × 1      1 on the last step of a goal segment (goal reached or time limit), else 0
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { DatasetError, InputError } from '../../src/errors.js';
import { createRng } from '../../src/math/rng.js';
import { writeFileAtomic } from '../../src/write-file-atomic.js';
import type { Env } from '../env.js';
import { WaypointExpert, type WaypointExpertConfig } from './expert.js';
import { freeCells, goalCell, jitteredCell, mazeTask, withinGoal } from './layouts.js';

export const DATASET_MAGIC = 'DFMAZE2D';
export const DATASET_VERSION = 1;
const FIXED_HEADER_BYTES = 72;
const FIELD_DESCRIPTOR_BYTES = 24;
const FIELD_NAME_BYTES = 16;
const TASK_ID_BYTES = 32;

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

interface FieldSpec {
  readonly name: string;
  readonly key: keyof MazeDataset;
  readonly columns: number;
  /** Extra rows beyond N (observations carry the final state). */
  readonly extraRows: number;
  readonly description: string;
}

const FIELDS: readonly FieldSpec[] = [
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

function columnStats(values: Float32Array, columns: number): { mean: number[]; std: number[] } {
  const rows = values.length / columns;
  const mean = new Array<number>(columns).fill(0);
  const std = new Array<number>(columns).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) mean[c]! += values[r * columns + c]!;
  for (let c = 0; c < columns; c++) mean[c] = mean[c]! / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const d = values[r * columns + c]! - mean[c]!;
      std[c]! += d * d;
    }
  }
  for (let c = 0; c < columns; c++) std[c] = Math.sqrt(std[c]! / rows);
  return { mean, std };
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

function headerBytesFor(fieldCount: number): number {
  const raw = FIXED_HEADER_BYTES + fieldCount * FIELD_DESCRIPTOR_BYTES;
  return Math.ceil(raw / 8) * 8;
}

function fieldRows(spec: FieldSpec, steps: number): number {
  return steps + spec.extraRows;
}

/**
 * Writes `<path>` (binary, via a temporary file renamed into place so a crash never leaves a half file under
 * the real name) and `<path>.json` (sidecar). Returns the sidecar.
 */
export function writeMazeDataset(
  path: string,
  data: MazeDataset,
  extra: Record<string, unknown> = {},
): DatasetSidecar {
  const headerBytes = headerBytesFor(FIELDS.length);
  let total = headerBytes;
  for (const f of FIELDS) total += 4 * fieldRows(f, data.steps) * f.columns;
  const buf = Buffer.alloc(total);
  buf.write(DATASET_MAGIC, 0, 'ascii');
  buf.writeUInt32LE(DATASET_VERSION, 8);
  buf.writeUInt32LE(headerBytes, 12);
  buf.writeUInt32LE(data.steps, 16);
  buf.writeUInt32LE(FIELDS.length, 20);
  buf.writeDoubleLE(data.seed, 24);
  buf.writeDoubleLE(data.noise, 32);
  if (data.task.length > TASK_ID_BYTES)
    throw new InputError(`task id '${data.task}' is longer than 32 characters`);
  buf.write(data.task, 40, 'ascii');
  let offset = headerBytes;
  FIELDS.forEach((f, k) => {
    const at = FIXED_HEADER_BYTES + k * FIELD_DESCRIPTOR_BYTES;
    buf.write(f.name, at, 'ascii');
    const rows = fieldRows(f, data.steps);
    buf.writeUInt32LE(rows, at + FIELD_NAME_BYTES);
    buf.writeUInt32LE(f.columns, at + FIELD_NAME_BYTES + 4);
    const values = data[f.key] as Float32Array;
    if (values.length !== rows * f.columns) {
      throw new InputError(
        `dataset field ${f.name} has ${values.length} values, expected ${rows} × ${f.columns}`,
      );
    }
    writeFloat32(buf, offset, values);
    offset += 4 * values.length;
  });
  writeFileAtomic(path, buf);

  const sidecar: DatasetSidecar = {
    task: data.task,
    seed: data.seed,
    steps: data.steps,
    noise: data.noise,
    format: {
      name: 'df-planner maze2d dataset',
      version: DATASET_VERSION,
      byteOrder: 'little-endian',
      dtype: 'float32',
      headerBytes,
      fields: FIELDS.map((f) => ({
        name: f.name,
        rows: fieldRows(f, data.steps),
        columns: f.columns,
        description: f.description,
      })),
    },
    statistics: datasetStatistics(data),
    segments: segmentStatistics(data),
    staleObservationQuirk: false,
    command: datasetCommand(data.task, data.steps, data.seed, data.noise, path),
    ...extra,
  };
  writeFileAtomic(`${path}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
  return sidecar;
}

export interface ReadDatasetOptions {
  /** Refuse a dataset of another task (DatasetError naming both). */
  readonly expectTask?: string;
}

/** Reads and validates a dataset file; every problem is a DatasetError naming the file and the fix. */
export function readMazeDataset(path: string, options: ReadDatasetOptions = {}): MazeDataset {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    const hint = options.expectTask
      ? `generate it with: df-planner dataset --task ${options.expectTask} --steps 1000000 --seed 0 --out ${path}`
      : 'generate it with: df-planner dataset --task <task> --steps <N> --seed <s> --out <file>';
    throw new DatasetError(path, `cannot read the dataset (${(err as Error).message}); ${hint}`, {
      cause: err,
    });
  }
  if (size < FIXED_HEADER_BYTES) {
    throw new DatasetError(
      path,
      `truncated: ${size} bytes, shorter than the ${FIXED_HEADER_BYTES}-byte header; regenerate it with df-planner dataset`,
    );
  }
  const head = Buffer.alloc(FIXED_HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, FIXED_HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const magic = head.toString('ascii', 0, 8);
  if (magic !== DATASET_MAGIC) {
    throw new DatasetError(
      path,
      `not a df-planner Maze2D dataset (magic '${printable(magic)}', expected '${DATASET_MAGIC}'); ` +
        'D4RL HDF5 files are not read directly: generate one with df-planner dataset',
    );
  }
  const version = head.readUInt32LE(8);
  const headerBytes = head.readUInt32LE(12);
  const steps = head.readUInt32LE(16);
  const fieldCount = head.readUInt32LE(20);
  const seed = head.readDoubleLE(24);
  const noise = head.readDoubleLE(32);
  const task = head.toString('ascii', 40, 40 + TASK_ID_BYTES).replace(/\0+$/, '');
  const regenerate = `regenerate it with: ${datasetCommand(task, steps, seed, noise, path)}`;
  if (version !== DATASET_VERSION) {
    throw new DatasetError(
      path,
      `format version ${version}, this build reads version ${DATASET_VERSION}; ${regenerate}`,
    );
  }
  if (options.expectTask !== undefined && task !== options.expectTask) {
    throw new DatasetError(
      path,
      `holds task '${task}' but '${options.expectTask}' was requested; use a ${options.expectTask} dataset ` +
        `(df-planner dataset --task ${options.expectTask} ...) or switch the task to ${task}`,
    );
  }
  if (headerBytes !== headerBytesFor(fieldCount) || fieldCount !== FIELDS.length) {
    throw new DatasetError(
      path,
      `corrupt header (${fieldCount} fields, header ${headerBytes} bytes; version ${DATASET_VERSION} has ` +
        `${FIELDS.length} fields in ${headerBytesFor(FIELDS.length)} bytes); ${regenerate}`,
    );
  }
  let expected = headerBytes;
  for (const f of FIELDS) expected += 4 * fieldRows(f, steps) * f.columns;
  if (size !== expected) {
    const what = size < expected ? 'truncated' : 'longer than its header says';
    throw new DatasetError(
      path,
      `${what}: expected ${expected} bytes for ${steps} steps of ${task}, found ${size}; ${regenerate}`,
    );
  }
  const buf = readFileSync(path);
  const out: Record<string, Float32Array> = {};
  let offset = headerBytes;
  FIELDS.forEach((f, k) => {
    const at = FIXED_HEADER_BYTES + k * FIELD_DESCRIPTOR_BYTES;
    const name = buf.toString('ascii', at, at + FIELD_NAME_BYTES).replace(/\0+$/, '');
    const rows = buf.readUInt32LE(at + FIELD_NAME_BYTES);
    const columns = buf.readUInt32LE(at + FIELD_NAME_BYTES + 4);
    if (name !== f.name || rows !== fieldRows(f, steps) || columns !== f.columns) {
      throw new DatasetError(
        path,
        `field ${k} is '${name}' ${rows}×${columns}, expected '${f.name}' ${fieldRows(f, steps)}×${f.columns}; ${regenerate}`,
      );
    }
    out[f.key] = readFloat32(buf, offset, rows * columns);
    offset += 4 * rows * columns;
  });
  return {
    task,
    seed,
    noise,
    steps,
    observations: out['observations']!,
    actions: out['actions']!,
    rewards: out['rewards']!,
    rewardsNext: out['rewardsNext']!,
    goals: out['goals']!,
    timeouts: out['timeouts']!,
  };
}

const littleEndianHost = endianness() === 'LE';

function writeFloat32(buf: Buffer, offset: number, values: Float32Array): void {
  if (littleEndianHost) {
    buf.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, offset + 4 * i);
}

function readFloat32(buf: Buffer, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (littleEndianHost) {
    new Uint8Array(out.buffer).set(buf.subarray(offset, offset + 4 * count));
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(offset + 4 * i);
  return out;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
