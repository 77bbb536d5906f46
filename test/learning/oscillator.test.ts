/**
 * Proof that the engine learns: a small model trained here (2000 AdamW steps, ~30 s on one wasm core) samples
 * oscillator sequences whose statistics match the data, and whose 10× training-length rollout (chunked, each
 * chunk continuing from the previous zFinal with stabilisation) stays bounded and smooth. The same checks,
 * with the same seeds, fail on the untrained model.
 *
 * Tolerances (per step dimension d; data statistics from 2048 real windows):
 *   mean        |mean_model − mean_data| ≤ 0.25·std_data
 *   std         0.7 ≤ std_model / std_data ≤ 1.3
 *   lag-1       |ρ1_model − ρ1_data| ≤ 0.03            (data ≈ 0.94; white noise 0; untrained ≈ −0.97)
 *   velocity    RMS((p_{i+1}−p_i)/dt − (v_i+v_{i+1})/2) / RMS(v) ≤ 0.7
 *               (data 0.005; positions and velocities from unrelated smooth curves ≈ 1.4; untrained ≈ 17)
 *   rollout     10 chunks × 8 tokens: every value finite and |x| ≤ 1.5 × the data's max |x| per dimension;
 *               lag-1 ≥ 0.85 and velocity consistency ≤ 0.8 over the whole rollout (it stays an oscillator)
 * Measured while writing the test (wasm, seeds 1, 2, 3 via DF_LEARNING_SEED): std ratios 0.86–1.21, means within
 * 0.1 std, lag-1 within 0.01, velocity consistency 0.37–0.54 (rollout 0.38–0.58), rollout max ≤ 0.93 × data max;
 * training took 28–32 s. Untrained: std ratios ≈ 0.1, lag-1 ≈ −0.97, velocity consistency ≈ 17.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createModel, type DfModel, type ModelConfig } from '../../src/model/index.js';
import { oscillatorDataset, velocityConsistency } from '../../src/tasks/oscillator.js';
import { initBackend } from '../../src/tensor/backend.js';
import { referenceSteps, sampleSequences, stepLabels } from '../../src/train/sample-sequences.js';
import { sequenceStats } from '../../src/train/sequence-stats.js';
import { trainEngineKinds, trainModel } from '../../src/train/train-loop.js';

// DF_LEARNING_SEED re-runs the proof with another seed (to check the tolerances are not tuned to one seed).
const SEED = Number(process.env['DF_LEARNING_SEED'] ?? 1);
const TOKENS = 8;
const data = oscillatorDataset(); // frame stack 4: 8 tokens = 32 env steps = 3.2 s
const dt = data.options.dt;
const labels = stepLabels(data.layout);
const config: ModelConfig = {
  layout: data.layout,
  normalization: data.normalization,
  latentSize: 32,
  hiddenWidth: 64,
  mlpLayers: 2,
  levelEmbeddingSize: 16,
  initEncoderWidth: 32,
  initLatent: 'learned',
  noise: { schedule: 'linear', levels: 1000 },
  objective: 'x0',
};
// Pyramid with u = 5: tokens start denoising 5 rows apart (the paper notes larger u helps causal generation).
const sampling = { mode: 'pyramid', steps: 20, uncertainty: 5 } as const;

interface Check {
  readonly name: string;
  readonly value: number;
  readonly pass: boolean;
}

/** Every check of the tolerance table, for one model. */
async function assess(model: DfModel): Promise<Check[]> {
  const n = data.layout.frameStack * TOKENS;
  const real = sequenceStats(referenceSteps(data, 2048, TOKENS, 1234), 2048, 4);
  const short = await sampleSequences(model, { batch: 128, horizon: TOKENS, seed: 7, ...sampling });
  const s = sequenceStats(short.steps, 128, 4);
  const long = await sampleSequences(model, { batch: 32, horizon: TOKENS, chunks: 10, seed: 8, ...sampling });
  expect(long.steps.length).toBe(32 * 10 * n * 4);
  const l = sequenceStats(long.steps, 32, 4);
  const checks: Check[] = [];
  labels.forEach((label, d) => {
    const mean = Math.abs(s.mean[d]! - real.mean[d]!) / real.std[d]!;
    const ratio = s.std[d]! / real.std[d]!;
    const lag = Math.abs(s.lag1[d]! - real.lag1[d]!);
    checks.push({ name: `${label}: mean`, value: mean, pass: mean <= 0.25 });
    checks.push({ name: `${label}: std ratio`, value: ratio, pass: ratio >= 0.7 && ratio <= 1.3 });
    checks.push({ name: `${label}: lag-1`, value: s.lag1[d]!, pass: lag <= 0.03 });
    const bound = l.maxAbs[d]! / real.maxAbs[d]!;
    checks.push({
      name: `${label}: rollout max/data max`,
      value: bound,
      pass: Number.isFinite(bound) && bound <= 1.5,
    });
    checks.push({ name: `${label}: rollout lag-1`, value: l.lag1[d]!, pass: l.lag1[d]! >= 0.85 });
  });
  const vc = velocityConsistency(short.steps, 128, dt);
  checks.push({ name: 'velocity consistency', value: vc, pass: vc <= 0.7 });
  const vcLong = velocityConsistency(long.steps, 32, dt);
  checks.push({ name: 'rollout velocity consistency', value: vcLong, pass: vcLong <= 0.8 });
  checks.push({ name: 'rollout finite', value: 0, pass: long.steps.every(Number.isFinite) });
  return checks;
}

function report(title: string, checks: Check[]): string {
  return `${title}\n${checks.map((c) => `  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name} = ${c.value.toFixed(3)}`).join('\n')}`;
}

let model: DfModel;
beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = createModel(config, SEED);
});
afterAll(() => model.dispose());

describe('learning the oscillator', () => {
  it('the untrained model fails the checks (so they can fail)', async () => {
    const checks = await assess(model);
    const failed = new Set(checks.filter((c) => !c.pass).map((c) => c.name));
    for (const label of labels) {
      expect(failed, report('untrained', checks)).toContain(`${label}: std ratio`);
      expect(failed).toContain(`${label}: lag-1`);
      expect(failed).toContain(`${label}: rollout lag-1`);
    }
    expect(failed).toContain('velocity consistency');
  });

  // Both training engines: the tfjs reference and the plain (Float32Array + SIMD) one must each learn it.
  for (const engine of trainEngineKinds) {
    it(`after 2000 steps samples match the data and a 10× rollout stays bounded (engine ${engine})`, {
      timeout: 300_000,
    }, async () => {
      const trained = createModel(config, SEED);
      try {
        const t0 = performance.now();
        const counts: number[] = [];
        const result = await trainModel(trained, data, {
          steps: 2000,
          batchSize: 32,
          tokens: TOKENS,
          seed: SEED,
          optimizer: { learningRate: 2e-3, warmupSteps: 50, gradClipNorm: 1 },
          logger: silentLogger,
          engine,
          onStep: (s) => {
            if (s.step % 500 === 0) counts.push(tf.memory().numTensors);
          },
        });
        const seconds = (performance.now() - t0) / 1000;
        expect(new Set(counts).size).toBe(1);
        // The loss fell: mean of the last 100 steps well below the first 100.
        const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
        expect(mean(result.losses.slice(-100))).toBeLessThan(0.5 * mean(result.losses.slice(0, 100)));
        const checks = await assess(trained);
        process.stderr.write(
          `${report(`${engine}: trained ${result.steps} steps in ${seconds.toFixed(1)} s`, checks)}\n`,
        );
        expect(
          checks.filter((c) => !c.pass).map((c) => c.name),
          report('trained', checks),
        ).toEqual([]);
      } finally {
        trained.dispose();
      }
    });
  }
});
