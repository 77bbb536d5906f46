import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import {
  loadModel,
  saveModel,
  type TrainingProvenance,
  writePlannerSettings,
} from '../../src/model/checkpoint.js';
import { createModel, type ModelConfig } from '../../src/model/index.js';
import { oscillatorDataset } from '../../src/tasks/oscillator.js';
import { tokenSize } from '../../src/tasks/token-layout.js';
import { initBackend } from '../../src/tensor/backend.js';

const data = oscillatorDataset();
const config: ModelConfig = {
  layout: data.layout,
  normalization: data.normalization,
  latentSize: 8,
  hiddenWidth: 12,
  mlpLayers: 3,
  levelEmbeddingSize: 8,
  initEncoderWidth: 6,
  initLatent: 'encoder',
  noise: { schedule: 'linear', levels: 100 },
  objective: 'x0',
};
const provenance: TrainingProvenance = {
  command: 'test',
  steps: 0,
  wallTimeSeconds: 0,
  datasetId: data.id,
  seed: 3,
  finalLoss: null,
  tfjsVersion: tf.version.tfjs,
  backend: 'cpu',
  savedAt: '2026-01-01T00:00:00.000Z',
};

let root: string;
beforeAll(async () => {
  await initBackend({ requested: 'cpu', logger: silentLogger });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'df-checkpoint-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A saved model in a fresh directory. */
async function savedModel(name: string): Promise<string> {
  const dir = path.join(root, name);
  const model = createModel(config, 3);
  await saveModel(dir, model, provenance);
  model.dispose();
  return dir;
}

/** One cell step on fixed inputs: what a model computes, to compare two models. */
function probe(model: ReturnType<typeof createModel>): Float32Array {
  return tf
    .tidy(() => {
      const obs = tf.tensor2d([[0.1, -0.2, 0.3, 0.4]]);
      const z0 = model.initialLatent(obs, 1);
      const x = tf.tensor2d([Array.from({ length: tokenSize(data.layout) }, (_, i) => Math.sin(i))]);
      const { out, z } = model.step(z0, x, tf.tensor1d([17], 'int32'));
      return tf.concat([out, z], 1);
    })
    .dataSync() as Float32Array;
}

function expectModelFileError(fn: () => Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  return fn().then(
    () => {
      throw new Error('expected a ModelFileError');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(ModelFileError);
      expect((err as ModelFileError).file).toBe(file);
      expect((err as Error).message).toMatch(pattern);
    },
  );
}

describe('model files', () => {
  it('round-trips config, provenance and weights exactly', async () => {
    const dir = path.join(root, 'roundtrip');
    const model = createModel(config, 3);
    const expected = probe(model);
    await saveModel(dir, model, provenance);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('df-planner-model');
    expect(json.formatVersion).toBe(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(model.weightNames);
    expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(4 * model.parameterCount);

    const { model: loaded, provenance: p } = await loadModel(dir);
    expect(loaded.config).toEqual(model.config);
    expect(p).toEqual(provenance);
    for (const [i, v] of model.variables.entries()) {
      expect(Array.from(loaded.variables[i]!.dataSync())).toEqual(Array.from(v.dataSync()));
    }
    expect(Array.from(probe(loaded))).toEqual(Array.from(expected));
    // A differently seeded model computes something else, so the probe would catch unloaded weights.
    const other = createModel(config, 4);
    expect(Array.from(probe(other))).not.toEqual(Array.from(expected));
    for (const m of [model, loaded, other]) m.dispose();
  });

  it('writes the tfjs weights format (tf.io.decodeWeights reads it)', async () => {
    const dir = await savedModel('tfjs-format');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    const decoded = tf.io.decodeWeights(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      json.weightsManifest[0].weights,
    );
    expect(Object.keys(decoded)).toContain('head.w');
    for (const t of Object.values(decoded)) t.dispose();
  });

  it('loads on another backend than it was saved on', async () => {
    const dir = await savedModel('cross-backend');
    const onCpu = await loadModel(dir);
    const expected = probe(onCpu.model);
    onCpu.model.dispose();
    await initBackend({ requested: 'wasm', logger: silentLogger });
    try {
      const onWasm = await loadModel(dir);
      const got = probe(onWasm.model);
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(expected[i]!, 5);
      onWasm.model.dispose();
    } finally {
      await initBackend({ requested: 'cpu', logger: silentLogger });
    }
  });

  it('names a missing directory', async () => {
    const dir = path.join(root, 'nope');
    await expectModelFileError(() => loadModel(dir), dir, /no such model directory.*df-planner train/);
  });

  it('names a missing model.json', async () => {
    const dir = path.join(root, 'empty');
    fs.mkdirSync(dir);
    await expectModelFileError(() => loadModel(dir), path.join(dir, 'model.json'), /cannot read \(ENOENT\)/);
  });

  it('names a model.json that is not JSON', async () => {
    const dir = await savedModel('bad-json');
    const file = path.join(dir, 'model.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 100));
    await expectModelFileError(() => loadModel(dir), file, /is not valid JSON.*copy it again or re-train/);
  });

  it('refuses another file format', async () => {
    const dir = await savedModel('other-format');
    const file = path.join(dir, 'model.json');
    fs.writeFileSync(file, JSON.stringify({ format: 'layers-model', modelTopology: {} }));
    await expectModelFileError(
      () => loadModel(dir),
      file,
      /not a df-planner model file \(format "layers-model"/,
    );
  });

  it('refuses an unknown format version', async () => {
    const dir = await savedModel('version');
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.formatVersion = 7;
    fs.writeFileSync(file, JSON.stringify(json));
    await expectModelFileError(() => loadModel(dir), file, /format version 7.*reads version 1/);
  });

  it('names a missing weights.bin', async () => {
    const dir = await savedModel('no-weights');
    fs.rmSync(path.join(dir, 'weights.bin'));
    await expectModelFileError(
      () => loadModel(dir),
      path.join(dir, 'weights.bin'),
      /cannot read the weights file \(ENOENT\)/,
    );
  });

  it('detects a truncated weights.bin', async () => {
    const dir = await savedModel('truncated');
    const bin = path.join(dir, 'weights.bin');
    const bytes = fs.readFileSync(bin);
    fs.writeFileSync(bin, bytes.subarray(0, bytes.length - 10));
    await expectModelFileError(
      () => loadModel(dir),
      bin,
      new RegExp(
        `is ${bytes.length - 10} bytes but model.json lists \\d+ weights needing ${bytes.length} bytes \\(the file is truncated`,
      ),
    );
  });

  it('detects weight names that do not match the config', async () => {
    const dir = await savedModel('renamed');
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.weightsManifest[0].weights[0].name = 'level.w1_old';
    fs.writeFileSync(file, JSON.stringify(json));
    await expectModelFileError(
      () => loadModel(dir),
      file,
      /missing weight 'level\.w1' \[8, 8\]; unexpected weight 'level\.w1_old'.*re-train or restore both files/,
    );
  });

  it('detects weight shapes that do not match the config', async () => {
    const dir = await savedModel('reshaped');
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    // Same byte count, transposed matrix: only the shape check can catch it.
    const spec = json.weightsManifest[0].weights.find((w: { name: string }) => w.name === 'pre.block0.w1z');
    spec.shape = [spec.shape[1], spec.shape[0]];
    fs.writeFileSync(file, JSON.stringify(json));
    await expectModelFileError(
      () => loadModel(dir),
      file,
      /weight 'pre\.block0\.w1z' has shape \[12, 8\], the config needs \[8, 12\]/,
    );
  });

  it('detects a config that no longer matches the weights', async () => {
    const dir = await savedModel('other-config');
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.modelConfig.hiddenWidth = 16;
    fs.writeFileSync(file, JSON.stringify(json));
    await expectModelFileError(
      () => loadModel(dir),
      file,
      /weight 'pre\.block0\.w1z' has shape \[8, 12\], the config needs \[8, 16\]/,
    );
  });

  it('reports an invalid modelConfig with the offending field', async () => {
    const dir = await savedModel('invalid-config');
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.modelConfig.latentSize = -3;
    fs.writeFileSync(file, JSON.stringify(json));
    await expectModelFileError(() => loadModel(dir), file, /invalid modelConfig: .*latentSize.*-3/);
  });

  it('leaks no tensors when loading fails', async () => {
    const dir = await savedModel('leak');
    const bin = path.join(dir, 'weights.bin');
    fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 40));
    const before = tf.memory().numTensors;
    await expect(loadModel(dir)).rejects.toThrow(ModelFileError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('writePlannerSettings', () => {
  it('records tuned planner settings in model.json and leaves the weights alone', async () => {
    const dir = await savedModel('planner-settings');
    const weightsBefore = fs.readFileSync(path.join(dir, 'weights.bin'));
    writePlannerSettings(dir, { guidanceScale: 10, actionSource: 'feedback' }, { normalizedScore: 90 });
    const { model, provenance: p } = await loadModel(dir);
    model.dispose();
    expect(p.planner).toEqual({ guidanceScale: 10, actionSource: 'feedback' });
    expect(p.plannerEvaluation).toEqual({ normalizedScore: 90 });
    expect(p.command).toBe(provenance.command);
    expect(fs.readFileSync(path.join(dir, 'weights.bin')).equals(weightsBefore)).toBe(true);
  });

  it('refuses a directory that is not a model, naming it', () => {
    const dir = path.join(root, 'not-a-model');
    fs.mkdirSync(dir, { recursive: true });
    expect(() => writePlannerSettings(dir, {}, {})).toThrow(ModelFileError);
  });
});
