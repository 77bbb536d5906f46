/**
 * Fruit-swap demonstration datasets: the scripted expert (expert.ts) run on the arm env, one demo per reset,
 * training demos first and validation demos after them, written in the shared container of
 * sim/dataset-file.ts (magic 'DFARMSWP', version 1) with a JSON sidecar of statistics.
 *
 * Generation: one PRNG seeded by `seed` supplies, per demo, the env reset seed (case, placement jitter, sensor
 * noise stream), then the expert's plan (durations, dwells, placement jitter), then the DART noise. The case
 * is the reset's own 50/50 draw. With DART noise σ > 0 the *executed* grasp-point target is
 * a + N(0, σ²) per axis (the gripper is not perturbed) while the logged action stays the expert's clean one,
 * so a policy learns to recover from small offsets. A demo ends when the expert's final hold is over.
 *
 * Version 1 fields (N transitions over all demos; demo boundaries from `timeouts`):
 *   observations       N × 15  observation before action t (with read-out noise, as the policy sees it)
 *   next_obs           N × 15  observation after action t
 *   actions            N × 4   the expert's clean action [x, y, z, grip] (the training label)
 *   executed_actions   N × 4   what the env executed (clean + DART noise)
 *   joint_targets      N × 5   servo targets of the executed action: 4 joints (IK) + finger opening
 *   segments           N × 1   segment tag index (expert.ts SEGMENT_TAGS; 0 = waiting at HOME)
 *   moves              N × 1   move index 0–2, −1 while waiting at HOME
 *   cases              N × 1   0 = AB, 1 = BA (for analysis; never an observation)
 *   validation         N × 1   1 for validation demos
 *   demo_success       N × 1   1 if the demo's final state is a completed swap
 *   timeouts           N × 1   1 on the last step of each demo
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
import { ARM_TASK_ID, type ArmSwapEnv } from './arm-env.js';
import { SEGMENT_TAGS, SwapExpert, type SwapExpertConfig } from './expert.js';
import { armIk } from './kinematics.js';
import type { SwapCase } from './success.js';

export const ARM_DATASET_MAGIC = 'DFARMSWP';
export const ARM_DATASET_VERSION = 1;
export const ARM_DEFAULT_DEMOS = 150;
export const ARM_DEFAULT_VALIDATION_DEMOS = 30;
/** Default DART σ of the executed grasp-point target, m (5 mm: the expert still succeeds every time). */
export const ARM_DEFAULT_DART_NOISE = 0.005;
export const ARM_OBSERVATION_SIZE = 15;
export const ARM_ACTION_SIZE = 4;

type ArmArrayKey =
  | 'observations'
  | 'nextObservations'
  | 'actions'
  | 'executedActions'
  | 'jointTargets'
  | 'segments'
  | 'moves'
  | 'cases'
  | 'validation'
  | 'demoSuccess'
  | 'timeouts';

export interface ArmDataset extends Readonly<Record<ArmArrayKey, Float32Array>> {
  readonly task: string;
  readonly seed: number;
  /** DART σ (m). */
  readonly noise: number;
  /** N, transitions over all demos. */
  readonly steps: number;
}

const field = (
  name: string,
  key: ArmArrayKey,
  columns: number,
  description: string,
): DatasetFieldSpec<ArmArrayKey> => ({ name, key, columns, extraRows: 0, description });

const FIELDS: readonly DatasetFieldSpec<ArmArrayKey>[] = [
  field('observations', 'observations', 15, 'q, qd, gripper, apple xyz, orange xyz before action t (noisy)'),
  field('next_obs', 'nextObservations', 15, 'observation after action t (noisy)'),
  field('actions', 'actions', 4, "expert's clean action x, y, z, grip (label)"),
  field('executed_actions', 'executedActions', 4, 'executed action (clean + DART noise on x, y, z)'),
  field('joint_targets', 'jointTargets', 5, 'servo targets of the executed action: 4 joints + finger'),
  field('segments', 'segments', 1, `segment tag index: ${SEGMENT_TAGS.join(', ')}`),
  field('moves', 'moves', 1, 'move index 0-2, -1 while waiting at HOME'),
  field('cases', 'cases', 1, '0 = AB, 1 = BA'),
  field('validation', 'validation', 1, '1 for validation demos'),
  field('demo_success', 'demoSuccess', 1, "1 if the demo's final state is a completed swap"),
  field('timeouts', 'timeouts', 1, '1 on the last step of each demo'),
];

export function armDatasetCommand(
  demos: number,
  validationDemos: number,
  seed: number,
  noise: number,
  out: string,
): string {
  return `df-planner dataset --task ${ARM_TASK_ID} --demos ${demos} --val-demos ${validationDemos} --seed ${seed} --noise ${noise} --out ${out}`;
}

const ARM_FORMAT: DatasetFormat<ArmArrayKey> = {
  magic: ARM_DATASET_MAGIC,
  version: ARM_DATASET_VERSION,
  label: 'arm-swap',
  fields: FIELDS,
  foreignHint: `generate one with: ${armDatasetCommand(ARM_DEFAULT_DEMOS, ARM_DEFAULT_VALIDATION_DEMOS, 0, ARM_DEFAULT_DART_NOISE, 'data/arm-swap.bin')}`,
  // The header does not hold the demo split; the default split is the usual one.
  regenerateCommand: (_task, _steps, seed, noise, path) =>
    armDatasetCommand(ARM_DEFAULT_DEMOS, ARM_DEFAULT_VALIDATION_DEMOS, seed, noise, path),
  missingHint: (_task, path) =>
    `generate it with: ${armDatasetCommand(ARM_DEFAULT_DEMOS, ARM_DEFAULT_VALIDATION_DEMOS, 0, ARM_DEFAULT_DART_NOISE, path)}`,
};

export interface ArmGenerateOptions {
  readonly demos: number;
  readonly validationDemos?: number;
  readonly seed: number;
  /** DART σ of the executed x, y, z target (m); default ARM_DEFAULT_DART_NOISE. */
  readonly noise?: number;
  readonly expertConfig?: Partial<SwapExpertConfig>;
  /** Called after every demo with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One recorded demo before packing. */
interface DemoRows {
  readonly rows: number[][];
  readonly success: boolean;
}

/** Runs the expert on `env` for every demo and returns the packed arrays. */
export function generateArmDataset(env: ArmSwapEnv, options: ArmGenerateOptions): ArmDataset {
  const { demos, seed } = options;
  const validationDemos = options.validationDemos ?? 0;
  const noise = options.noise ?? ARM_DEFAULT_DART_NOISE;
  for (const [name, v] of [
    ['demos', demos],
    ['validation demos', validationDemos],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new InputError(`arm dataset: ${name} must be a whole number ≥ 0, got ${v}`);
  }
  if (demos + validationDemos < 1) throw new InputError('arm dataset: needs at least one demo (--demos ≥ 1)');
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new InputError(`arm dataset: DART noise σ must be a finite number ≥ 0 (metres), got ${noise}`);
  }
  const rng = createRng(seed);
  const expert = new SwapExpert(options.expertConfig);
  const total = demos + validationDemos;
  const recorded: DemoRows[] = [];
  const executed = new Float64Array(4);
  const joints = new Float64Array(4);
  for (let i = 0; i < total; i++) {
    const reset = env.reset(rng.int(2 ** 31));
    const swapCase = reset.info['case'] as SwapCase;
    expert.begin(swapCase, rng);
    let obs = reset.observation;
    const rows: number[][] = [];
    let success = false;
    for (let t = 0; t < env.episodeLength; t++) {
      const step = expert.act(env.truth());
      if (step.done) break;
      executed.set(step.action);
      if (noise > 0) for (let k = 0; k < 3; k++) executed[k] = executed[k]! + noise * rng.normal();
      armIk(executed, joints);
      const result = env.step(executed);
      rows.push([
        ...obs,
        ...result.observation,
        ...step.action,
        ...executed,
        ...joints,
        executed[3]!,
        SEGMENT_TAGS.indexOf(step.tag),
        step.move,
        swapCase === 'AB' ? 0 : 1,
        i >= demos ? 1 : 0,
      ]);
      success = result.info['success'] === true;
      obs = result.observation;
    }
    recorded.push({ rows, success });
    options.onProgress?.(i + 1, total);
  }
  return packDemos(recorded, { seed, noise });
}

function packDemos(recorded: readonly DemoRows[], header: { seed: number; noise: number }): ArmDataset {
  const n = recorded.reduce((s, d) => s + d.rows.length, 0);
  const alloc = (columns: number) => new Float32Array(n * columns);
  const out = {
    observations: alloc(15),
    nextObservations: alloc(15),
    actions: alloc(4),
    executedActions: alloc(4),
    jointTargets: alloc(5),
    segments: alloc(1),
    moves: alloc(1),
    cases: alloc(1),
    validation: alloc(1),
    demoSuccess: alloc(1),
    timeouts: alloc(1),
  };
  let t = 0;
  for (const demo of recorded) {
    demo.rows.forEach((r, k) => {
      out.observations.set(r.slice(0, 15), t * 15);
      out.nextObservations.set(r.slice(15, 30), t * 15);
      out.actions.set(r.slice(30, 34), t * 4);
      out.executedActions.set(r.slice(34, 38), t * 4);
      out.jointTargets.set(r.slice(38, 43), t * 5);
      out.segments[t] = r[43]!;
      out.moves[t] = r[44]!;
      out.cases[t] = r[45]!;
      out.validation[t] = r[46]!;
      out.demoSuccess[t] = demo.success ? 1 : 0;
      out.timeouts[t] = k === demo.rows.length - 1 ? 1 : 0;
      t += 1;
    });
  }
  return { task: ARM_TASK_ID, steps: n, ...header, ...out };
}

/** One demo's extent in a dataset. */
export interface ArmEpisode {
  /** First step index. */
  readonly start: number;
  readonly length: number;
  readonly case: SwapCase;
  readonly validation: boolean;
  readonly success: boolean;
}

/** The demos of a dataset, in file order (split by `timeouts`). */
export function armEpisodes(data: ArmDataset): ArmEpisode[] {
  const out: ArmEpisode[] = [];
  let start = 0;
  for (let t = 0; t < data.steps; t++) {
    if (data.timeouts[t] !== 1) continue;
    out.push({
      start,
      length: t - start + 1,
      case: data.cases[t] === 0 ? 'AB' : 'BA',
      validation: data.validation[t] === 1,
      success: data.demoSuccess[t] === 1,
    });
    start = t + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- statistics

export interface ArmDatasetStatistics {
  /** Over the training demos' observations before each action (as the maze's statistics). */
  readonly observationMean: number[];
  readonly observationStd: number[];
  /** Of the clean action labels of the training demos. */
  readonly actionMean: number[];
  readonly actionStd: number[];
}

export interface ArmDemoStatistics {
  readonly demos: number;
  readonly validationDemos: number;
  readonly successes: number;
  readonly casesAB: number;
  readonly meanLength: number;
  readonly minLength: number;
  readonly maxLength: number;
}

/** Statistics of the training demos (validation demos are left out so they stay unseen). */
export function armDatasetStatistics(data: ArmDataset): ArmDatasetStatistics {
  const rows: number[] = [];
  for (let t = 0; t < data.steps; t++) if (data.validation[t] !== 1) rows.push(t);
  const pick = (values: Float32Array, columns: number) => {
    const out = new Float32Array(rows.length * columns);
    rows.forEach((t, k) => {
      out.set(values.subarray(t * columns, (t + 1) * columns), k * columns);
    });
    return columnStats(out, columns);
  };
  const obs = pick(data.observations, 15);
  const act = pick(data.actions, 4);
  return { observationMean: obs.mean, observationStd: obs.std, actionMean: act.mean, actionStd: act.std };
}

export function armDemoStatistics(data: ArmDataset): ArmDemoStatistics {
  const episodes = armEpisodes(data);
  const lengths = episodes.map((e) => e.length);
  return {
    demos: episodes.filter((e) => !e.validation).length,
    validationDemos: episodes.filter((e) => e.validation).length,
    successes: episodes.filter((e) => e.success).length,
    casesAB: episodes.filter((e) => e.case === 'AB').length,
    meanLength: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length),
    minLength: Math.min(...lengths),
    maxLength: Math.max(...lengths),
  };
}

// ---------------------------------------------------------------------------------------------- file I/O

export interface ArmDatasetSidecar {
  readonly task: string;
  readonly seed: number;
  readonly steps: number;
  readonly noise: number;
  readonly format: ReturnType<typeof describeFormat>;
  readonly statistics: ArmDatasetStatistics;
  readonly episodes: ArmDemoStatistics;
  readonly command: string;
  readonly [extra: string]: unknown;
}

/** Writes `<path>` (binary, atomically) and `<path>.json` (sidecar). Returns the sidecar. */
export function writeArmDataset(
  path: string,
  data: ArmDataset,
  extra: Record<string, unknown> = {},
): ArmDatasetSidecar {
  writeDatasetFile(path, ARM_FORMAT, data, data);
  const episodes = armDemoStatistics(data);
  const sidecar: ArmDatasetSidecar = {
    task: data.task,
    seed: data.seed,
    steps: data.steps,
    noise: data.noise,
    format: describeFormat(ARM_FORMAT, data.steps),
    statistics: armDatasetStatistics(data),
    episodes,
    command: armDatasetCommand(episodes.demos, episodes.validationDemos, data.seed, data.noise, path),
    ...extra,
  };
  writeFileAtomic(`${path}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
  return sidecar;
}

/** Reads and validates an arm dataset; every problem is a DatasetError naming the file and the fix. */
export function readArmDataset(path: string, options: ReadDatasetOptions = {}): ArmDataset {
  const { arrays, ...header } = readDatasetFile(path, ARM_FORMAT, options);
  return { ...header, ...arrays };
}
