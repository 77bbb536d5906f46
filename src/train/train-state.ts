/**
 * Resumable training state beside a model directory: `train-state.json` (step, RNG states, loss history,
 * run options, wall time) and `optimizer.bin` (AdamW moments in the tfjs weights format). Written after the
 * model files at every checkpoint, so a killed run resumes from the last complete checkpoint and, on the same
 * backend, reproduces an uninterrupted run bit for bit.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelFileError } from '../errors.js';
import { encodeNamedTensors, readWeightFile } from '../model/checkpoint.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import type { AdamWState, LrDecay } from './adamw.js';

export const TRAIN_STATE_FILE = 'train-state.json';
export const OPTIMIZER_FILE = 'optimizer.bin';
const TRAIN_STATE_FORMAT = 'df-planner-train-state';
const TRAIN_STATE_VERSION = 1;

export interface TrainState {
  /** Optimizer steps completed. */
  readonly step: number;
  /** Data and noise RNG states after `step` steps. */
  readonly dataRngState: number[];
  readonly noiseRngState: number[];
  /** Loss of every step so far (float32 values; JSON keeps them exactly). */
  readonly losses: number[];
  readonly wallTimeSeconds: number;
  /** The run's settings (seed, batch, tokens, optimizer, loss, dataset id) so a resume can refuse a mismatch. */
  readonly run: Readonly<Record<string, unknown>>;
  readonly optimizer: AdamWState;
}

export function hasTrainState(dir: string): boolean {
  return fs.existsSync(path.join(dir, TRAIN_STATE_FILE));
}

/** Writes optimizer.bin then train-state.json (the JSON last: its presence marks a complete checkpoint). */
export async function saveTrainState(
  dir: string,
  state: TrainState,
  weightNames: readonly string[],
): Promise<void> {
  const named: { name: string; tensor: tf.Tensor }[] = [];
  state.optimizer.m.forEach((m, i) => {
    named.push({ name: `${weightNames[i]}/m`, tensor: tf.tensor1d(m) });
    named.push({ name: `${weightNames[i]}/v`, tensor: tf.tensor1d(state.optimizer.v[i]!) });
  });
  try {
    const { data, specs } = await encodeNamedTensors(named);
    writeFileAtomic(path.join(dir, OPTIMIZER_FILE), data);
    const json = {
      format: TRAIN_STATE_FORMAT,
      formatVersion: TRAIN_STATE_VERSION,
      step: state.step,
      optimizerStep: state.optimizer.step,
      dataRngState: state.dataRngState,
      noiseRngState: state.noiseRngState,
      wallTimeSeconds: state.wallTimeSeconds,
      run: state.run,
      optimizerManifest: [{ paths: [OPTIMIZER_FILE], weights: specs }],
      losses: state.losses,
    };
    writeFileAtomic(path.join(dir, TRAIN_STATE_FILE), `${JSON.stringify(json)}\n`);
  } finally {
    for (const n of named) n.tensor.dispose();
  }
}

/** Reads the state written by `saveTrainState`; ModelFileError names the file and the fix on any problem. */
export function loadTrainState(dir: string, weightNames: readonly string[]): TrainState {
  const file = path.join(dir, TRAIN_STATE_FILE);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      file,
      code === 'ENOENT'
        ? 'no training state to resume from; start a new run without --resume (or use the --out of an earlier run)'
        : `cannot read the training state (${(err as Error).message}); start a new run without --resume`,
      { cause: err },
    );
  }
  if (json['format'] !== TRAIN_STATE_FORMAT || json['formatVersion'] !== TRAIN_STATE_VERSION) {
    throw new ModelFileError(
      file,
      `is not a version-${TRAIN_STATE_VERSION} df-planner training state (format ${JSON.stringify(json['format'])}, ` +
        `version ${JSON.stringify(json['formatVersion'])}); start a new run without --resume`,
    );
  }
  const step = json['step'];
  const losses = json['losses'];
  if (!Number.isInteger(step) || !Array.isArray(losses) || losses.length !== step) {
    throw new ModelFileError(
      file,
      `step (${String(step)}) and loss history do not agree; the file is damaged: start a new run`,
    );
  }
  const manifest = json['optimizerManifest'] as {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string }[];
  }[];
  const group = manifest?.[0];
  if (!group || !Array.isArray(group.weights) || group.weights.length !== 2 * weightNames.length) {
    throw new ModelFileError(
      file,
      'optimizer manifest does not match the model (different number of weights); start a new run',
    );
  }
  const decoded = readWeightFile(dir, OPTIMIZER_FILE, group.weights, file);
  try {
    const m: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (const name of weightNames) {
      const tm = decoded[`${name}/m`];
      const tv = decoded[`${name}/v`];
      if (!tm || !tv)
        throw new ModelFileError(
          file,
          `optimizer state lacks the moments of weight '${name}'; start a new run`,
        );
      m.push(Float32Array.from(tm.dataSync()));
      v.push(Float32Array.from(tv.dataSync()));
    }
    return {
      step: step as number,
      dataRngState: json['dataRngState'] as number[],
      noiseRngState: json['noiseRngState'] as number[],
      losses: losses as number[],
      wallTimeSeconds: Number(json['wallTimeSeconds'] ?? 0),
      run: (json['run'] ?? {}) as Record<string, unknown>,
      optimizer: { step: Number(json['optimizerStep'] ?? step), m, v },
    };
  } finally {
    for (const t of Object.values(decoded)) t.dispose();
  }
}

/** The run settings stored in `dir`'s train state (seed, batch, tokens, optimizer, loss), or null if none. */
export function readRunSettings(dir: string): Record<string, unknown> | null {
  const file = path.join(dir, TRAIN_STATE_FILE);
  if (!fs.existsSync(file)) return null;
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { run?: Record<string, unknown> };
    return json.run ?? null;
  } catch {
    return null; // loadTrainState reports the damage with the fix when the run actually resumes
  }
}

/** A run's optimizer.lrDecay; train states written before the decay tail existed have none (null). */
export function runLrDecay(run: Readonly<Record<string, unknown>>): LrDecay | null {
  const opt = run['optimizer'];
  if (typeof opt !== 'object' || opt === null) return null;
  return ((opt as Record<string, unknown>)['lrDecay'] ?? null) as LrDecay | null;
}
