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
import { initBackend } from '../../src/tensor/backend.js';
import type { TrainOptions } from '../../src/train/train-loop.js';
import { smallRunConfig, smallTrainingRun } from '../helpers/small-training-run.js';

const config = smallRunConfig({ mlpLayers: 3 });
const run = (options: Partial<TrainOptions>, seed = 5) =>
  smallTrainingRun(config, { engine: 'plain', ...options }, seed);

let root: string;
beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'df-plain-train-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

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
