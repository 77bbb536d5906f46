/**
 * The plain training engine inside the training loop: deterministic (a resumed run equals the uninterrupted one
 * bit for bit, on this thread and with two worker threads), tensor count constant, and the same run as the
 * tfjs reference engine to float32 rounding (losses within 1e-4 relative over 8 AdamW steps; measured ~1e-6).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createModel, type ModelConfig } from '../../src/model/index.js';
import { oscillatorDataset } from '../../src/tasks/oscillator.js';
import { initBackend } from '../../src/tensor/backend.js';
import { type TrainOptions, trainModel } from '../../src/train/train-loop.js';

const data = oscillatorDataset();
const config: ModelConfig = {
  layout: data.layout,
  normalization: data.normalization,
  latentSize: 8,
  hiddenWidth: 16,
  mlpLayers: 3,
  levelEmbeddingSize: 8,
  initEncoderWidth: 8,
  initLatent: 'encoder',
  noise: { schedule: 'linear', levels: 1000 },
  objective: 'x0',
};
const base: TrainOptions = {
  steps: 8,
  batchSize: 4,
  tokens: 5,
  seed: 11,
  optimizer: { learningRate: 3e-3, warmupSteps: 3, gradClipNorm: 1 },
  logger: silentLogger,
  engine: 'plain',
};

let root: string;
beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'df-plain-train-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function run(options: Partial<TrainOptions>, seed = 5) {
  const model = createModel(config, seed);
  try {
    const result = await trainModel(model, data, { ...base, ...options });
    const weights = model.variables.map((v) => Array.from(v.dataSync()));
    return { result, weights };
  } finally {
    model.dispose();
  }
}

describe('plain training engine', () => {
  let reference: Float32Array | null = null;
  /** Losses of the tfjs reference engine on the same run. */
  const referenceLosses = async (): Promise<Float32Array> => {
    reference ??= (await run({ engine: 'tfjs' })).result.losses;
    return reference;
  };
  const expectNearReference = async (losses: Float32Array) => {
    const ref = await referenceLosses();
    losses.forEach((loss, i) => {
      expect(Math.abs(loss - ref[i]!)).toBeLessThanOrEqual(1e-4 * ref[i]!);
    });
  };

  for (const workers of [0, 2]) {
    it(`a killed run resumed from its checkpoint equals an uninterrupted run, bit for bit, and follows tfjs (workers ${workers})`, async () => {
      const full = await run({ workers, outDir: path.join(root, `full${workers}`), checkpointEvery: 3 });
      // The same run as the tfjs reference engine, to float32 rounding.
      await expectNearReference(full.result.losses);
      expect(full.result.provenance.training?.['engine']).toBe('plain');
      const dir = path.join(root, `killed${workers}`);
      await expect(
        run({
          workers,
          outDir: dir,
          checkpointEvery: 3,
          onStep: (s) => {
            if (s.step === 5) throw new Error('simulated kill');
          },
        }),
      ).rejects.toThrow('simulated kill');
      const resumed = await run({ workers, outDir: dir, checkpointEvery: 3, resume: true }, 99);
      expect(resumed.result.stepsThisRun).toBe(5);
      expect(Array.from(resumed.result.losses)).toEqual(Array.from(full.result.losses));
      expect(resumed.weights).toEqual(full.weights);
    });
  }

  it('keeps the tensor count constant across steps', async () => {
    const counts: number[] = [];
    await run({ steps: 5, onStep: () => counts.push(tf.memory().numTensors) });
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('refuses worker threads without the plain engine, and unknown engines', async () => {
    await expect(run({ engine: 'tfjs', workers: 2 })).rejects.toThrow(ConfigError);
    await expect(run({ engine: 'gpu' as 'tfjs' })).rejects.toThrow(/engine/);
  });
});
