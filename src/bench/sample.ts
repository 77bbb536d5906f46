/**
 * `df-planner bench sample`: the cost of one plan — a pyramid sample (Algorithm 2) of H = 16 tokens with S = 50
 * DDIM steps, u = 1 — for the maze-sized reference model of `bench train` (70-dim tokens, ~150k parameters),
 * at batch 1 (one plan at a time, as the node plans) and batch 8 (candidate plans).
 *
 * Cases (one run, so they compare as ratios):
 *   baseline-matmul-3840x128x128   the same plain matmul as `bench train` (cross-group yardstick)
 *   cell-step-B1                   one network cell call at batch 1 (the unit the sampler repeats)
 *   pyramid-S50-H16-B1 / -B8       a whole plan: (S + (H−1)·u + 1)·H cell calls, read back to JS
 *   pyramid-S20-H16-B1             a cheaper plan (fewer DDIM steps)
 * `msPerCellCall` = sample median / cell calls: how far a plan is from pure per-call cost.
 */
import * as tf from '@tensorflow/tfjs';
import { silentLogger } from '../logging.js';
import { createModel, modelParameterCount } from '../model/index.js';
import { tokenSize } from '../tasks/token-layout.js';
import { initBackend } from '../tensor/backend.js';
import { sampleSequences } from '../train/sample-sequences.js';
import { type BenchGroup, wantsCase } from './group.js';
import { type TensorCase, tensorCases } from './tensor-cases.js';
import { roundTimings, roundTo } from './timing.js';
import { benchModelConfig } from './train.js';

export const BENCH_HORIZON = 16;

interface CaseResult extends TensorCase {
  cellCalls?: number;
}

const group: BenchGroup = {
  async run(options) {
    const info = await initBackend({ logger: silentLogger });
    const repeats = options.repeats ?? 10;
    const wants = (name: string) => wantsCase(options, name);
    const model = createModel(benchModelConfig, 0);
    const { cases, record: recordCase, recordBaselineMatmul, addBaselineRatios } = tensorCases();
    const d = tokenSize(benchModelConfig.layout);
    const obs = new Float32Array(4);

    // A case whose function returns its cell calls per run keeps that count beside its timings.
    const record = async (name: string, fn: () => Promise<number>, reps: number) => {
      const { entry, result } = await recordCase(name, fn, reps);
      if (result !== undefined) (entry as CaseResult).cellCalls = result;
    };

    try {
      if (wants('baseline-matmul')) await recordBaselineMatmul(repeats);
      if (wants('cell-step-B1')) {
        const z = tf.zeros([1, benchModelConfig.latentSize]) as tf.Tensor2D;
        const x = tf.randomNormal([1, d]) as tf.Tensor2D;
        const k = tf.tensor1d([500], 'int32');
        await record(
          'cell-step-B1',
          async () => {
            const out = tf.tidy(() => model.step(z, x, k).out);
            await out.data();
            out.dispose();
            return 1;
          },
          Math.max(repeats * 10, 50),
        );
        tf.dispose([z, x, k]);
      }
      const plan = (name: string, batch: number, steps: number) =>
        wants(name)
          ? record(
              name,
              async () =>
                (
                  await sampleSequences(model, {
                    batch,
                    horizon: BENCH_HORIZON,
                    mode: 'pyramid',
                    steps,
                    uncertainty: 1,
                    seed: 1,
                    firstObservation: obs,
                  })
                ).cellCalls,
              repeats,
            )
          : Promise.resolve();
      await plan('pyramid-S50-H16-B1', 1, 50);
      await plan('pyramid-S50-H16-B8', 8, 50);
      await plan('pyramid-S20-H16-B1', 1, 20);
    } finally {
      model.dispose();
    }

    addBaselineRatios();
    const find = (name: string) => cases.find((c) => c.name === name) as CaseResult | undefined;
    const b1 = find('pyramid-S50-H16-B1');
    const b8 = find('pyramid-S50-H16-B8');
    const cell = find('cell-step-B1');
    return {
      backend: info.name,
      backendInfo: info,
      sampleMsMedian: b1 ? roundTo(b1.medianMs, 2) : null,
      sampleMsMedianB8: b8 ? roundTo(b8.medianMs, 2) : null,
      cellCallsPerSample: b1?.cellCalls ?? null,
      msPerCellCall: b1?.cellCalls ? roundTo(b1.medianMs / b1.cellCalls, 4) : null,
      cellStepMsMedianB1: cell ? roundTo(cell.medianMs, 4) : null,
      horizon: BENCH_HORIZON,
      steps: 50,
      uncertainty: 1,
      parameterCount: modelParameterCount(benchModelConfig),
      tokenSize: d,
      cases: cases.map((c) => roundTimings(c, 4)),
    };
  },
};

export default group;
