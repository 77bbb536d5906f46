/**
 * Model directories: `model.json` (format version, the full ModelConfig, training provenance and a tfjs
 * `weightsManifest`) plus `weights.bin` in the tfjs weights format (tf.io.encodeWeights layout: float32 values
 * of each named weight, concatenated in manifest order). Files are written with node:fs (temp file + rename,
 * so a killed process never leaves a half-written model) and load on any backend.
 *
 * Every way a directory can be wrong — missing, unreadable JSON, another format or version, a truncated or
 * oversized weights file, weights that do not fit the config — is a ModelFileError naming the file, the
 * problem and the fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DfPlannerError, ModelFileError } from '../errors.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { createModel } from './index.js';
import type { DfModel, ModelConfig } from './types.js';

export const MODEL_FORMAT = 'df-planner-model';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** How a model was made: enough to reproduce it and to judge what it is for. */
export interface TrainingProvenance {
  /** Command line that trained it (argv joined), or a description for models made in code. */
  readonly command: string;
  /** Optimizer steps taken. */
  readonly steps: number;
  /** Wall-clock training time, seconds (summed over resumed segments). */
  readonly wallTimeSeconds: number;
  readonly datasetId: string;
  readonly seed: number;
  /** Loss of the last step (EMA in `extra` if wanted), null when untrained. */
  readonly finalLoss: number | null;
  readonly tfjsVersion: string;
  readonly backend: string;
  /** ISO time the file was written. */
  readonly savedAt: string;
  /** Training hyperparameters and anything else worth keeping (batch, tokens, lr, loss weighting, …). */
  readonly training?: Readonly<Record<string, unknown>>;
  /**
   * Planner settings tuned for this model (PlannerConfig fields), written by `df-planner eval --save-planner`;
   * eval and the node start from them. Kept across resumed training.
   */
  readonly planner?: Readonly<Record<string, unknown>>;
  /** The evaluation that chose `planner` (command and headline numbers). */
  readonly plannerEvaluation?: Readonly<Record<string, unknown>>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

interface ModelFileJson {
  format: string;
  formatVersion: number;
  generatedBy: string;
  modelConfig: ModelConfig;
  provenance: TrainingProvenance;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** Encodes named tensors in the tfjs weights format: the bytes and the manifest entries. */
export async function encodeNamedTensors(
  named: readonly { name: string; tensor: tf.Tensor }[],
): Promise<{ data: Uint8Array; specs: WeightSpec[] }> {
  const { data, specs } = await tf.io.encodeWeights(named.map((n) => ({ name: n.name, tensor: n.tensor })));
  return {
    data: new Uint8Array(data),
    specs: specs.map((s) => ({ name: s.name, shape: [...s.shape], dtype: s.dtype })),
  };
}

/** Bytes a float32 weight list occupies. */
function expectedBytes(specs: readonly WeightSpec[]): number {
  return specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Reads a binary weights file written by `encodeNamedTensors` and decodes it against `specs`, checking that
 * the size matches. `jsonFile` is the file that holds the manifest (named in errors). The caller owns the
 * returned tensors.
 */
export function readWeightFile(
  dir: string,
  binName: string,
  specs: WeightSpec[],
  jsonFile: string,
): tf.NamedTensorMap {
  const binPath = path.join(dir, binName);
  for (const s of specs) {
    if (s.dtype !== 'float32') {
      throw new ModelFileError(
        jsonFile,
        `weight '${s.name}' has dtype '${s.dtype}'; only float32 weights are supported`,
      );
    }
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ModelFileError(
        jsonFile,
        `weight '${s.name}' has an invalid shape ${JSON.stringify(s.shape)}`,
      );
    }
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(binPath);
  } catch (err) {
    throw new ModelFileError(
      binPath,
      `cannot read the weights file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
        `it must sit beside ${path.basename(jsonFile)}; copy the whole model directory or re-save the model`,
      { cause: err },
    );
  }
  const need = expectedBytes(specs);
  if (bytes.byteLength !== need) {
    const what = bytes.byteLength < need ? 'truncated' : 'longer than its manifest';
    throw new ModelFileError(
      binPath,
      `is ${bytes.byteLength} bytes but ${path.basename(jsonFile)} lists ${specs.length} weights needing ${need} bytes ` +
        `(the file is ${what}, or belongs to another model); copy it again or re-train`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(
    buffer,
    specs.map((s) => ({ ...s, dtype: 'float32' as const })),
  );
}

/** Saves `model` into `dir` (created if missing): weights.bin, then model.json. */
export async function saveModel(dir: string, model: DfModel, provenance: TrainingProvenance): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const { data, specs } = await encodeNamedTensors(
    model.variables.map((v, i) => ({ name: model.weightNames[i]!, tensor: v })),
  );
  writeFileAtomic(path.join(dir, WEIGHTS_FILE), data);
  const json: ModelFileJson = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    generatedBy: `df-planner (tfjs ${tf.version.tfjs})`,
    modelConfig: model.config,
    provenance,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  writeFileAtomic(path.join(dir, MODEL_FILE), `${JSON.stringify(json, null, 2)}\n`);
}

/**
 * Records tuned planner settings (and the evaluation that chose them) in `dir`'s model.json; the weights are
 * untouched. Written atomically, so a model directory is never left half-updated.
 */
export function writePlannerSettings(
  dir: string,
  planner: Readonly<Record<string, unknown>>,
  evaluation: Readonly<Record<string, unknown>>,
): void {
  const json = readModelFile(dir);
  json.provenance = { ...json.provenance, planner, plannerEvaluation: evaluation };
  writeFileAtomic(path.join(dir, MODEL_FILE), `${JSON.stringify(json, null, 2)}\n`);
}

/** Reads and checks model.json without building the model (cheap; for listing and `--help`-style output). */
export function readModelFile(dir: string): ModelFileJson {
  const file = path.join(dir, MODEL_FILE);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ModelFileError(
      dir,
      'no such model directory; pass the directory that holds model.json (e.g. models/oscillator-demo) ' +
        'or train one with `df-planner train --out DIR`',
    );
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelFileError(
      file,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); a model directory holds ` +
        `${MODEL_FILE} and ${WEIGHTS_FILE} written by \`df-planner train\``,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(
      file,
      `is not valid JSON (${(err as Error).message}); the file is damaged: copy it again or re-train`,
      {
        cause: err,
      },
    );
  }
  if (typeof json !== 'object' || json === null || (json as { format?: unknown }).format !== MODEL_FORMAT) {
    const format =
      typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined;
    throw new ModelFileError(
      file,
      `is not a df-planner model file (format ${JSON.stringify(format)}, expected '${MODEL_FORMAT}'); ` +
        'point --model at a directory written by `df-planner train`',
    );
  }
  const j = json as Partial<ModelFileJson>;
  if (j.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelFileError(
      file,
      `has format version ${JSON.stringify(j.formatVersion)}, but this df-planner reads version ${MODEL_FORMAT_VERSION}; ` +
        'use the df-planner release that wrote it, or re-train with this one',
    );
  }
  if (typeof j.modelConfig !== 'object' || j.modelConfig === null) {
    throw new ModelFileError(
      file,
      "has no 'modelConfig' object; the file is damaged or hand-edited: re-train",
    );
  }
  const group = j.weightsManifest?.[0];
  if (
    !Array.isArray(j.weightsManifest) ||
    j.weightsManifest.length !== 1 ||
    !group ||
    !Array.isArray(group.weights)
  ) {
    throw new ModelFileError(
      file,
      "needs a 'weightsManifest' with one group listing the weights; re-save the model",
    );
  }
  if (!Array.isArray(group.paths) || group.paths.length !== 1 || typeof group.paths[0] !== 'string') {
    throw new ModelFileError(
      file,
      `weightsManifest must name exactly one weights file (got ${JSON.stringify(group.paths)})`,
    );
  }
  if (path.basename(group.paths[0]) !== group.paths[0]) {
    throw new ModelFileError(
      file,
      `weights path '${group.paths[0]}' must be a file name inside the model directory`,
    );
  }
  return withCurrentNames(j as ModelFileJson);
}

/** Fields of `provenance.plannerEvaluation` that older files wrote under another name: old → current. */
const RENAMED_EVALUATION_FIELDS: Readonly<Record<string, string>> = {
  // The planning call's wall time was once called the tick latency; a tick is the control step.
  tickMsMedian: 'planMsMedian',
  tickMsP99: 'planMsP99',
};

/** The file as today's names have it (an older file's renamed fields are read under their current names). */
function withCurrentNames(json: ModelFileJson): ModelFileJson {
  const evaluation = json.provenance?.plannerEvaluation;
  if (!evaluation || !Object.keys(evaluation).some((k) => k in RENAMED_EVALUATION_FIELDS)) return json;
  const renamed = Object.fromEntries(
    Object.entries(evaluation).map(([k, v]) => [RENAMED_EVALUATION_FIELDS[k] ?? k, v]),
  );
  return { ...json, provenance: { ...json.provenance, plannerEvaluation: renamed } };
}

/**
 * Loads a model directory: builds the network from its config and assigns the stored weights (names and
 * shapes must match the network exactly). Uses the current tfjs backend.
 */
export async function loadModel(dir: string): Promise<{ model: DfModel; provenance: TrainingProvenance }> {
  const json = readModelFile(dir);
  const file = path.join(dir, MODEL_FILE);
  let model: DfModel;
  try {
    model = createModel(json.modelConfig, 0);
  } catch (err) {
    if (err instanceof DfPlannerError) {
      throw new ModelFileError(
        file,
        `has an invalid modelConfig: ${err.message}; fix the config or re-train`,
        { cause: err },
      );
    }
    throw err;
  }
  const group = json.weightsManifest[0]!;
  let decoded: tf.NamedTensorMap | null = null;
  try {
    decoded = readWeightFile(dir, group.paths[0]!, group.weights, file);
    const stored = decoded;
    const problems: string[] = [];
    const wanted = new Set(model.weightNames);
    model.variables.forEach((v, i) => {
      const name = model.weightNames[i]!;
      const t = stored[name];
      if (!t) problems.push(`missing weight '${name}' [${v.shape.join(', ')}]`);
      else if (t.shape.join(',') !== v.shape.join(',')) {
        problems.push(
          `weight '${name}' has shape [${t.shape.join(', ')}], the config needs [${v.shape.join(', ')}]`,
        );
      }
    });
    for (const name of Object.keys(stored))
      if (!wanted.has(name)) problems.push(`unexpected weight '${name}'`);
    if (problems.length > 0) {
      const shown =
        problems.slice(0, 6).join('; ') + (problems.length > 6 ? `; … (${problems.length} problems)` : '');
      throw new ModelFileError(
        file,
        `weights do not match the modelConfig: ${shown}. The config and weights come from different models; re-train or restore both files together`,
      );
    }
    tf.tidy(() => {
      for (const [i, v] of model.variables.entries()) v.assign(stored[model.weightNames[i]!]!);
    });
    model.weightsChanged();
    return { model, provenance: json.provenance };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    if (decoded) for (const t of Object.values(decoded)) t.dispose();
  }
}
