/**
 * `df-planner bench train`: the cost of one training step of the maze-sized reference model — 70-dim tokens
 * (7 numbers per env step × frame stack 10), T = 60 tokens, batch 64, ~150k parameters — on the active backend.
 * Target: ≤ 300 ms per step on one core with wasm (docs/performance.md §4(c)).
 *
 * Cases (all in one run so they compare as ratios):
 *   baseline-matmul      one [T·B, 128]×[128, 128] matmul: the machine's raw speed, the ratio denominator
 *   forward-T60-B64      the loss alone (rollout over 60 tokens), no gradients
 *   train-step-T60-B64   loss + gradients of every weight + AdamW + cache invalidation (what `train` runs)
 *   train-step-T60-B64-autodiff   the same with tfjs's stock linear-layer gradients (what the custom linear saves)
 *   train-step-T60-B64-4layer     the paper's depth (num_mlp_layers 4) at a similar parameter count: more,
 *                                 narrower sequential layers per token, so slower per parameter
 *   train-step-T60-B64-plain      the same step on the plain engine (`train --engine plain`: Float32Array +
 *                                 WebAssembly SIMD gradients, src/train/plain-gradients.ts), this thread
 *   train-step-T60-B64-plain-2workers   the plain engine data parallel over two worker threads (`--workers 2`)
 *   train-step-T60-B64-4layer-plain     the 4-layer model on the plain engine
 *
 * Step cases of one model run interleaved (one step of each in turn), so load changes on a shared machine hit
 * them alike; each also reports the process CPU time per step (`cpuMsMedian`, all threads), and
 * `cpuSpeedupOneThread` compares tfjs and the plain engine on one thread by that measure.
 *
 * Headline: `tfjsStepMsMedian` (train-step-T60-B64), `fastStepMsMedian` (the faster plain case) and their ratio
 * `speedup`; the roof (kernel-roof.ts: the project's own kernel on a 512³ product, one core and two), measured
 * first in the same run, and each step case's GFLOP/s (dense FLOPs of the step over its median) with its
 * fraction of the roof. Dense FLOPs per step = 2·N·(3·forward MACs per token − the x projection's, whose
 * input gradient no engine forms), N = T·B; element-wise work is not counted.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { diffusionForcingLoss } from '../diffusion/loss.js';
import { silentLogger } from '../logging.js';
import { noiseSchedule } from '../math/noise-schedule.js';
import { createRng } from '../math/rng.js';
import { createModel, modelParameterCount } from '../model/index.js';
import type { DfModel, ModelConfig } from '../model/types.js';
import type { SequenceBatch } from '../tasks/sequence-dataset.js';
import { observationSize, type TokenLayout, tokenSize } from '../tasks/token-layout.js';
import { initBackend } from '../tensor/backend.js';
import { AdamW } from '../train/adamw.js';
import { PlainTrainEngine } from '../train/plain-train-step.js';
import { trainStep } from '../train/train-step.js';
import { type BenchGroup, wantsCase } from './group.js';
import { type KernelRoof, measureKernelRoof } from './kernel-roof.js';
import { tensorCases } from './tensor-cases.js';
import { roundTimings, roundTo, summarize } from './timing.js';

export const BENCH_TOKENS = 60;
export const BENCH_BATCH = 64;
export const TARGET_STEP_MS = 300;
/** Issue 11: the fast engine's step at least 3× faster than tfjs's, measured in the same run. */
export const TARGET_SPEEDUP = 3;

/** Maze token: [position 2, velocity 2, action 2, reward 1] × frame stack 10 = 70 numbers. */
export const benchLayout: TokenLayout = {
  frameStack: 10,
  fields: [
    { name: 'position', kind: 'observation', size: 2 },
    { name: 'velocity', kind: 'observation', size: 2 },
    { name: 'action', kind: 'action', size: 2 },
    { name: 'reward', kind: 'reward', size: 1 },
  ],
};

/** The ~150k-parameter reference architecture (155,622 parameters with this layout). */
export const benchModelConfig: ModelConfig = {
  layout: benchLayout,
  normalization: { mean: [0, 0, 0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1, 1, 1] },
  latentSize: 96,
  hiddenWidth: 96,
  mlpLayers: 2,
  levelEmbeddingSize: 16,
  initEncoderWidth: 64,
  initLatent: 'encoder',
  noise: { schedule: 'linear', levels: 1000 },
  objective: 'x0',
};

/** The paper's MLP depth (4 layers) at ~150k parameters (152,550): z 64, hidden 80, level embedding 32. */
export const benchDeepModelConfig: ModelConfig = {
  ...benchModelConfig,
  latentSize: 64,
  hiddenWidth: 80,
  mlpLayers: 4,
  levelEmbeddingSize: 32,
};

/** Dense multiply-adds per token of one forward pass (plain-gradients.ts's layers), and of the x projection. */
function forwardMacs(config: ModelConfig): { total: number; xProjection: number } {
  const z = config.latentSize;
  const hd = config.hiddenWidth;
  const d = tokenSize(config.layout);
  const blocks = config.mlpLayers - 2;
  const xProjection = d * 2 * hd;
  const total =
    xProjection +
    z * (2 * hd + 3 * z) + // [W1z | Wsz | Whh]
    hd * hd + // pre block 0 W2
    4 * blocks * hd * hd + // pre and post blocks 1 … L−2
    hd * 3 * z + // pre.out fused with the GRU input
    z * hd + // post block 0 W1
    (z === hd ? 0 : z * hd) + // its shortcut
    hd * hd + // post block 0 W2
    hd * z + // post.out
    z * d; // head
  return { total, xProjection };
}

/** Dense FLOPs of one training step over `rows` = T·B tokens (see the header). */
export function trainStepFlops(config: ModelConfig, rows: number): number {
  const { total, xProjection } = forwardMacs(config);
  return 2 * rows * (3 * total - xProjection);
}

/** Random N(0, 1) tokens: the step cost does not depend on what the data are. */
function benchBatch(t: number, b: number, config: ModelConfig, seed: number): SequenceBatch {
  const rng = createRng(seed);
  return {
    x0: rng.fillNormal(new Float32Array(t * b * tokenSize(config.layout))),
    firstObservation: rng.fillNormal(new Float32Array(b * observationSize(config.layout))),
    mask: new Float32Array(t * b).fill(1),
  };
}

const group: BenchGroup = {
  async run(options) {
    const info = await initBackend({ logger: silentLogger });
    const repeats = options.repeats ?? 10;
    const wants = (name: string) => wantsCase(options, name);
    const t = BENCH_TOKENS;
    const b = BENCH_BATCH;
    const schedule = noiseSchedule(benchModelConfig.noise.schedule, benchModelConfig.noise.levels);
    const batch = benchBatch(t, b, benchModelConfig, 1);
    const { cases, record, recordBaselineMatmul, addBaselineRatios } = tensorCases();

    if (wants('baseline-matmul')) await recordBaselineMatmul(repeats);

    const withModel = async (
      linear: 'custom' | 'autodiff',
      body: (model: DfModel) => Promise<void>,
      config: ModelConfig = benchModelConfig,
    ) => {
      const model = createModel(config, 0, { linear });
      try {
        await body(model);
      } finally {
        model.dispose();
      }
    };

    if (wants('forward-T60-B64')) {
      await withModel('custom', async (model) => {
        const rng = createRng(2);
        await record(
          'forward-T60-B64',
          async () => {
            const loss = tf.tidy(() =>
              diffusionForcingLoss(
                model,
                schedule,
                {
                  x0: tf.tensor3d(batch.x0, [t, b, tokenSize(benchLayout)]),
                  firstObservation: tf.tensor2d(batch.firstObservation!, [b, observationSize(benchLayout)]),
                  mask: tf.tensor2d(batch.mask, [t, b]),
                },
                rng,
              ),
            );
            await loss.data();
            loss.dispose();
          },
          repeats,
        );
      });
    }

    interface StepSpec {
      readonly name: string;
      readonly linear: 'custom' | 'autodiff';
      readonly config: ModelConfig;
      readonly plain: { readonly workers: number } | null;
    }
    const cpuMs = new Map<string, number>();
    const stepFlops = new Map<string, number>();
    /**
     * Times the steps of `specs` interleaved (repeat r of every spec before repeat r + 1 of any), so a shared
     * machine's load changes hit every spec alike and their ratios hold. Wall time per step is the figure;
     * process CPU time per step (all threads) is kept beside it: on one thread it is what the step costs
     * whatever else runs.
     */
    const stepCases = async (specs: readonly StepSpec[], reps: number) => {
      const chosen = specs.filter((sp) => wants(sp.name));
      if (chosen.length === 0) return;
      const runs = chosen.map((sp) => {
        const model = createModel(sp.config, 0, { linear: sp.linear });
        const optimizer = new AdamW(model.variables);
        const engine = sp.plain ? new PlainTrainEngine(model, sp.plain) : null;
        const rng = createRng(3);
        const shape = { tokens: t, batchSize: b };
        const data = sp.config === benchModelConfig ? batch : benchBatch(t, b, sp.config, 1);
        const step = () =>
          engine
            ? engine.step(schedule, optimizer, data, shape, rng)
            : trainStep(model, schedule, optimizer, data, shape, rng);
        return { sp, model, optimizer, engine, step, wall: [] as number[], cpu: [] as number[] };
      });
      try {
        for (const r of runs) for (let i = 0; i < 2; i++) await r.step();
        const before = tf.memory().numTensors;
        for (let i = 0; i < reps; i++) {
          for (const r of runs) {
            const c0 = process.cpuUsage();
            const t0 = performance.now();
            await r.step();
            r.wall.push(performance.now() - t0);
            const c = process.cpuUsage(c0);
            r.cpu.push((c.user + c.system) / 1000);
          }
        }
        const after = tf.memory().numTensors;
        for (const r of runs) {
          cases.push({ name: r.sp.name, ...summarize(r.wall), tensorsBefore: before, tensorsAfter: after });
          cpuMs.set(r.sp.name, summarize(r.cpu).medianMs);
          stepFlops.set(r.sp.name, trainStepFlops(r.sp.config, t * b));
        }
      } finally {
        for (const r of runs) {
          r.engine?.dispose();
          r.optimizer.dispose();
          r.model.dispose();
        }
      }
    };
    const spec = (
      name: string,
      config: ModelConfig,
      plain: StepSpec['plain'] = null,
      linear: StepSpec['linear'] = 'custom',
    ): StepSpec => ({ name, config, plain, linear });
    // The roof first, in the same run, so every step's GFLOP/s compares with it.
    const roof: KernelRoof = await measureKernelRoof();
    await stepCases(
      [
        spec('train-step-T60-B64', benchModelConfig),
        spec('train-step-T60-B64-plain', benchModelConfig, { workers: 0 }),
        spec('train-step-T60-B64-plain-2workers', benchModelConfig, { workers: 2 }),
      ],
      repeats,
    );
    await stepCases(
      [spec('train-step-T60-B64-autodiff', benchModelConfig, null, 'autodiff')],
      Math.min(repeats, 5),
    );
    await stepCases(
      [
        spec('train-step-T60-B64-4layer', benchDeepModelConfig),
        spec('train-step-T60-B64-4layer-plain', benchDeepModelConfig, { workers: 0 }),
      ],
      repeats,
    );

    addBaselineRatios();
    const step = cases.find((c) => c.name === 'train-step-T60-B64');
    const fast = cases
      .filter((c) => c.name === 'train-step-T60-B64-plain' || c.name === 'train-step-T60-B64-plain-2workers')
      .sort((x, y) => x.medianMs - y.medianMs)[0];
    const rates = (name: string, ms: number) => {
      const flops = stepFlops.get(name);
      if (flops === undefined) return {};
      const rate = flops / (ms * 1e6);
      return {
        cpuMsMedian: roundTo(cpuMs.get(name) ?? Number.NaN, 2),
        flopsPerStep: flops,
        gflops: roundTo(rate, 2),
        singleCoreRoofFraction: roundTo(rate / roof.singleCoreGflops, 3),
        twoCoreRoofFraction: roof.twoCoreGflops === null ? null : roundTo(rate / roof.twoCoreGflops, 3),
      };
    };
    return {
      backend: info.name,
      backendInfo: info,
      tfjsStepMsMedian: step ? roundTo(step.medianMs, 2) : null,
      fastStepMsMedian: fast ? roundTo(fast.medianMs, 2) : null,
      fastCase: fast?.name ?? null,
      speedup: step && fast ? roundTo(step.medianMs / fast.medianMs, 2) : null,
      // Process CPU time per step, tfjs over the plain engine on this thread: the one-core speedup, which the
      // machine's load does not change (wall times on a shared machine include waiting for a core).
      cpuSpeedupOneThread:
        cpuMs.has('train-step-T60-B64') && cpuMs.has('train-step-T60-B64-plain')
          ? roundTo(cpuMs.get('train-step-T60-B64')! / cpuMs.get('train-step-T60-B64-plain')!, 2)
          : null,
      targetSpeedup: TARGET_SPEEDUP,
      meetsSpeedupTarget: step && fast ? step.medianMs / fast.medianMs >= TARGET_SPEEDUP : null,
      roof,
      loadAverage: os.loadavg().map((l) => roundTo(l, 2)),
      stepMsMedian: step ? roundTo(step.medianMs, 2) : null,
      stepsPerSecond: step ? roundTo(1000 / step.medianMs, 2) : null,
      targetStepMs: TARGET_STEP_MS,
      meetsTarget: step ? step.medianMs <= TARGET_STEP_MS : null,
      parameterCount: modelParameterCount(benchModelConfig),
      parameterCount4Layer: modelParameterCount(benchDeepModelConfig),
      tokens: t,
      batch: b,
      tokenSize: tokenSize(benchLayout),
      cases: cases.map((c) => ({ ...roundTimings(c, 2), ...rates(c.name, c.medianMs) })),
    };
  },
};

export default group;
