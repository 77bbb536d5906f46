import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ModelFileError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { loadModel } from '../../src/model/checkpoint.js';
import { createModel } from '../../src/model/index.js';
import { oscillatorDataset } from '../../src/tasks/oscillator.js';
import { initBackend } from '../../src/tensor/backend.js';
import { type TrainOptions, trainModel } from '../../src/train/train-loop.js';
import {
  smallRunConfig,
  smallRunData,
  smallRunOptions,
  smallTrainingRun,
} from '../helpers/small-training-run.js';

const data = smallRunData;
const config = smallRunConfig();
const base = smallRunOptions;
const run = (options: Partial<TrainOptions>, seed = 5) => smallTrainingRun(config, options, seed);

let root: string;
beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'df-train-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('training loop', () => {
  it('is reproducible: same seed, bit-identical losses and weights; another seed differs', async () => {
    const a = await run({});
    const b = await run({});
    expect(a.result.losses.length).toBe(8);
    expect(Array.from(b.result.losses)).toEqual(Array.from(a.result.losses));
    expect(b.weights).toEqual(a.weights);
    const c = await run({ seed: 12 });
    expect(Array.from(c.result.losses)).not.toEqual(Array.from(a.result.losses));
  });

  it('keeps the tensor count constant across steps', async () => {
    const counts: number[] = [];
    await run({ steps: 6, onStep: () => counts.push(tf.memory().numTensors) });
    expect(counts.length).toBe(6);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('a killed run resumed from its checkpoint equals an uninterrupted run, bit for bit', async () => {
    const full = await run({ outDir: path.join(root, 'full'), checkpointEvery: 3 });

    const dir = path.join(root, 'killed');
    await expect(
      run({
        outDir: dir,
        checkpointEvery: 3,
        onStep: (s) => {
          if (s.step === 5) throw new Error('simulated kill');
        },
      }),
    ).rejects.toThrow('simulated kill');
    // The last complete checkpoint is step 3; steps 4–5 were lost with the process.
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'train-state.json'), 'utf8')).step).toBe(3);

    const resumed = await run({ outDir: dir, checkpointEvery: 3, resume: true }, 99);
    expect(resumed.result.stepsThisRun).toBe(5);
    expect(Array.from(resumed.result.losses)).toEqual(Array.from(full.result.losses));
    expect(resumed.weights).toEqual(full.weights);
    // The saved model is the resumed one.
    const { model, provenance } = await loadModel(dir);
    expect(model.variables.map((v) => Array.from(v.dataSync()))).toEqual(full.weights);
    expect(provenance.steps).toBe(8);
    expect(provenance.finalLoss).toBe(full.result.losses[7]);
    model.dispose();
  });

  it('a constant-lr run resumed with a decay tail from its checkpoint on equals one run with that tail', async () => {
    const lrDecay = { startStep: 3, endStep: 8, finalFactor: 0.2 };
    const withTail = { ...base.optimizer, lrDecay };
    const annealed = await run({ optimizer: withTail });
    const constant = await run({});
    // The tail changes the result (otherwise equality below would prove nothing).
    expect(annealed.weights).not.toEqual(constant.weights);

    const dir = path.join(root, 'anneal');
    await expect(
      run({
        outDir: dir,
        checkpointEvery: 3,
        onStep: (s) => {
          if (s.step === 5) throw new Error('simulated kill');
        },
      }),
    ).rejects.toThrow('simulated kill');
    // Make the checkpoint look like one written before lrDecay existed (no key at all): treated as null.
    const stateFile = path.join(dir, 'train-state.json');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    expect(state.step).toBe(3);
    expect(state.run.optimizer.lrDecay).toBeNull();
    delete state.run.optimizer.lrDecay;
    fs.writeFileSync(stateFile, JSON.stringify(state));

    const rates: number[] = [];
    const resumed = await run({
      outDir: dir,
      checkpointEvery: 3,
      resume: true,
      optimizer: withTail,
      onStep: (s) => rates.push(s.learningRate),
    });
    expect(resumed.result.stepsThisRun).toBe(5);
    expect(Array.from(resumed.result.losses)).toEqual(Array.from(annealed.result.losses));
    expect(resumed.weights).toEqual(annealed.weights);
    // Updates 4–8 (step indices 3–7) ran at lr·(1 − 0.8·(s − 3)/5).
    expect(rates.length).toBe(5);
    for (const [k, s] of [3, 4, 5, 6, 7].entries()) {
      expect(rates[k]).toBeCloseTo(3e-3 * (1 - (0.8 * (s - 3)) / 5), 15);
    }
    // The next checkpoint records the new settings.
    const after = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    expect(after.run.optimizer.lrDecay).toEqual(lrDecay);
    expect(
      JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).provenance.training.optimizer.lrDecay,
    ).toEqual(lrDecay);
  });

  it('refuses a decay tail that would change updates already made, and any other mismatch', async () => {
    const dir = path.join(root, 'tail-guard');
    await run({ outDir: dir, steps: 4 });
    const opt = (lrDecay: { startStep: number; endStep: number; finalFactor: number } | null) => ({
      ...base.optimizer,
      lrDecay,
    });
    // A new tail starting before the checkpoint (step 4): updates 3–4 were made at the full lr.
    await expect(
      run({
        outDir: dir,
        steps: 8,
        resume: true,
        optimizer: opt({ startStep: 2, endStep: 8, finalFactor: 0.1 }),
      }),
    ).rejects.toThrow(
      /checkpoint at step 4, but the new lr decay tail starts earlier, at step 2 .*--lr-decay-steps ≤ 4 with --steps 8/,
    );
    // Another mismatch is still refused even with an acceptable tail.
    await expect(
      run({
        outDir: dir,
        steps: 8,
        resume: true,
        batchSize: 5,
        optimizer: opt({ startStep: 4, endStep: 8, finalFactor: 0.1 }),
      }),
    ).rejects.toThrow(/other settings/);
    await expect(
      run({ outDir: dir, steps: 8, resume: true, optimizer: { ...opt(null), learningRate: 1e-3 } }),
    ).rejects.toThrow(ModelFileError);
    // Starting exactly at the checkpoint is fine; the run then holds a tail that has begun.
    await run({
      outDir: dir,
      steps: 6,
      resume: true,
      optimizer: opt({ startStep: 4, endStep: 8, finalFactor: 0.1 }),
    });
    // A begun tail cannot change or go away, but continuing with it can.
    for (const changed of [
      null,
      { startStep: 6, endStep: 10, finalFactor: 0.1 },
      { startStep: 4, endStep: 8, finalFactor: 0.5 },
    ]) {
      await expect(run({ outDir: dir, steps: 10, resume: true, optimizer: opt(changed) })).rejects.toThrow(
        /lr decay tail over steps 4–8 \(to ×0\.1\) had begun before its checkpoint at step 6/,
      );
    }
    const kept = await run({
      outDir: dir,
      steps: 10,
      resume: true,
      optimizer: opt({ startStep: 4, endStep: 8, finalFactor: 0.1 }),
    });
    expect(kept.result.steps).toBe(10);
  });

  it('writes a usable model directory with provenance and a loss-curve PNG', async () => {
    const dir = path.join(root, 'files');
    await run({ outDir: dir, command: 'df-planner train --test' });
    for (const f of ['model.json', 'weights.bin', 'train-state.json', 'optimizer.bin', 'loss.png']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'loss.png')));
    expect(png.width).toBeGreaterThan(100);
    const { model, provenance } = await loadModel(dir);
    expect(provenance).toMatchObject({
      command: 'df-planner train --test',
      steps: 8,
      datasetId: data.id,
      seed: 11,
      backend: 'wasm',
      tfjsVersion: tf.version.tfjs,
    });
    expect(provenance.training).toMatchObject({ batchSize: 4, tokens: 5 });
    model.dispose();
  });

  it('refuses to overwrite a run without resume, and a resume with other settings', async () => {
    const dir = path.join(root, 'guard');
    await run({ outDir: dir, steps: 2 });
    await expect(run({ outDir: dir, steps: 2 })).rejects.toThrow(
      /already holds a training run; pass --resume/,
    );
    await expect(run({ outDir: dir, steps: 4, resume: true, batchSize: 5 })).rejects.toThrow(ModelFileError);
    await expect(run({ outDir: path.join(root, 'none'), resume: true })).rejects.toThrow(
      /no such model directory/,
    );
  });

  it('checks options and the model/dataset match', async () => {
    await expect(run({ steps: 0, checkpointEvery: 2 })).rejects.toThrow(ConfigError);
    const other = createModel({ ...config, layout: oscillatorDataset({ frameStack: 3 }).layout }, 1);
    await expect(trainModel(other, data, base)).rejects.toThrow(/token layout/);
    other.dispose();
  });
});
