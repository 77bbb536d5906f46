import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createModel, type ModelConfig } from '../../src/model/index.js';
import { oscillatorDataset } from '../../src/tasks/oscillator.js';
import type { SequenceDataset } from '../../src/tasks/sequence-dataset.js';
import { initBackend } from '../../src/tensor/backend.js';
import { trainModel } from '../../src/train/train-loop.js';
import {
  recordValidationLoss,
  VALIDATION_FILE,
  type ValidationRecord,
} from '../../src/train/validation-loss.js';

const dir = mkdtempSync(join(tmpdir(), 'df-validation-'));
beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validation loss history', () => {
  it('appends one entry per checkpoint and a resume replaces entries at or after its step', () => {
    recordValidationLoss(dir, { step: 100, loss: 1 });
    recordValidationLoss(dir, { step: 200, loss: 0.8 });
    recordValidationLoss(dir, { step: 300, loss: 0.7 });
    // Resumed from the checkpoint at step 200: the old entry for 300 belongs to the lost tail.
    const history = recordValidationLoss(dir, { step: 300, loss: 0.6 });
    expect(history).toEqual([
      { step: 100, loss: 1 },
      { step: 200, loss: 0.8 },
      { step: 300, loss: 0.6 },
    ]);
    expect(JSON.parse(readFileSync(join(dir, VALIDATION_FILE), 'utf8'))).toEqual(history);
  });

  it('training scores held-out windows at every checkpoint, the same way each run, without leaking tensors', async () => {
    // The oscillator with a "held-out" sampler: windows of the same generator drawn from the given rng.
    const base = oscillatorDataset();
    const data: SequenceDataset = {
      ...base,
      sampleValidationBatch: (b, t, rng) => base.sampleBatch(b, t, rng),
    };
    const config: ModelConfig = {
      layout: data.layout,
      normalization: data.normalization,
      latentSize: 8,
      hiddenWidth: 16,
      mlpLayers: 2,
      levelEmbeddingSize: 8,
      initEncoderWidth: 8,
      initLatent: 'encoder',
      noise: { schedule: 'linear', levels: 1000 },
      objective: 'x0',
    };
    const train = async (out: string) => {
      const model = createModel(config, 3);
      try {
        await trainModel(model, data, {
          steps: 6,
          batchSize: 4,
          tokens: 5,
          seed: 1,
          checkpointEvery: 2,
          outDir: out,
          logger: silentLogger,
        });
      } finally {
        model.dispose();
      }
      return JSON.parse(readFileSync(join(out, VALIDATION_FILE), 'utf8')) as ValidationRecord[];
    };
    const before = tf.memory().numTensors;
    const a = await train(join(dir, 'a'));
    expect(tf.memory().numTensors).toBe(before);
    expect(a.map((r) => r.step)).toEqual([2, 4, 6]);
    for (const r of a) expect(Number.isFinite(r.loss) && r.loss > 0).toBe(true);
    expect(await train(join(dir, 'b'))).toEqual(a);
  });
});
