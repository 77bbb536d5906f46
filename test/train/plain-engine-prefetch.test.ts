/**
 * The plain engine with worker threads draws the next step's levels and noise while the workers run: the run
 * (losses, gradient norms, weights and the noise stream's state after every step) equals the same engine
 * without the prefetch bit for bit, also when the caller draws from the noise stream between steps (the stale
 * prefetch must then be dropped) or changes the batch shape.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import { noiseSchedule } from '../../src/math/noise-schedule.js';
import { createModel } from '../../src/model/index.js';
import { observationSize, tokenSize } from '../../src/tasks/token-layout.js';
import { initBackend } from '../../src/tensor/backend.js';
import { AdamW } from '../../src/train/adamw.js';
import { PlainTrainEngine } from '../../src/train/plain-train-step.js';
import { smallRunConfig } from '../helpers/small-training-run.js';

const config = smallRunConfig();
const schedule = noiseSchedule(config.noise.schedule, config.noise.levels);

function batchOf(t: number, b: number, seed: number) {
  const rng = createRng(seed);
  return {
    x0: rng.fillNormal(new Float32Array(t * b * tokenSize(config.layout))),
    firstObservation: rng.fillNormal(new Float32Array(b * observationSize(config.layout))),
    mask: new Float32Array(t * b).fill(1),
  };
}

async function run(prefetchNoise: boolean) {
  const model = createModel(config, 3);
  const optimizer = new AdamW(model.variables, { learningRate: 3e-3, warmupSteps: 2 });
  const engine = new PlainTrainEngine(model, { workers: 2, prefetchNoise });
  const noiseRng = createRng(8);
  const trace: unknown[] = [];
  try {
    for (let step = 0; step < 5; step++) {
      const shape = step === 3 ? { tokens: 4, batchSize: 3 } : { tokens: 5, batchSize: 4 };
      if (step === 2) noiseRng.uniform(); // the caller moves the stream: the prefetched draws are stale
      const batch = batchOf(shape.tokens, shape.batchSize, step);
      const { loss, gradNorm } = await engine.step(schedule, optimizer, batch, shape, noiseRng);
      trace.push({ loss, gradNorm, rng: noiseRng.getState() });
    }
    return { trace, weights: model.variables.map((v) => Array.from(v.dataSync())) };
  } finally {
    engine.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

describe('plain engine: noise drawn while the workers run', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('equals the run without the prefetch bit for bit', async () => {
    const before = tf.memory().numTensors;
    const a = await run(false);
    const b = await run(true);
    expect(b.trace).toEqual(a.trace);
    expect(b.weights).toEqual(a.weights);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
