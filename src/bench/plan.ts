/**
 * `df-planner bench plan [--task maze2d-medium]`: the plan latency (one `agent.plan()`, the planning call at a token boundary) for a maze task's
 * model at the full remaining horizon (60 tokens for maze2d-medium, F = 10), guided toward the maze's goal.
 * `--task arm-swap` runs the arm's own cases instead (plan-arm.ts: cost per token on one core).
 * Targets (issue 4): ≤ 100 ms median plan latency on one core; stretch ≤ 10 ms warm.
 *
 * The model is models/<task> when it exists (a training run may be rewriting it: its files are replaced
 * atomically, so a load sees one whole checkpoint), otherwise an untrained network of the training command's
 * config (runs/*.log: latent 96, hidden 96, 2 MLP layers, init encoder, maze layout F = 10; 155,622 parameters);
 * `model.source` says which. Timing does not depend on the weights.
 *
 * Each round executes the last plan's first token open-loop (F act/observe calls, fed the plan's own predicted
 * observations, untimed) and then times plan(); the episode is long enough that H stays at the cap.
 *
 * Cases (one run, so they compare as ratios to the matmul baseline):
 *   baseline-matmul-3840x128x128     the cross-group yardstick
 *   cold-guided / warm-guided        planner defaults (S = 10, u = 1, guidance on, warm: 3 steps left, 10 rows)
 *   cold-guided-mcg8 / warm-guided-mcg8    the same with 8 Monte Carlo guidance samples in the batch
 *   warm-unguided                    guidance off (no gradient; unguided rows skip the noise tail)
 *   warm-guided-rows3                a cheaper warm plan: 3 rows (warmRows = warmStepsLeft = 3)
 *   …-plain                          each of the above with planNetwork 'plain' (Float32Array network); the
 *                                    unsuffixed cases pin planNetwork 'tfjs', so the pair is a same-run ratio
 *   shipped-plain                    what eval and the node run with this model: defaultPlannerConfig < the
 *                                    model's provenance.planner block (`resolvePlannerSettings`, as eval: a bad
 *                                    block is the same ModelFileError), its own horizon cap, cold/warm, MCG and
 *                                    network ('shipped' when the block picks 'tfjs'); defaults when the model has
 *                                    no block or is the untrained stand-in (`shipped.settingsFrom` says which)
 * Per case: cell calls, rows and tokens H per plan (from PlanResult), ms per cell call, live tensors around the
 * timed loop, and the process CPU time per plan (on a shared machine wall time also counts the other processes'
 * turns). Plain cases also count their dense-product FLOPs per plan and report GFLOP/s (over the median wall
 * time) as a fraction of `roof`: the project's own kernel on a large product, measured first in the same run
 * on one core and on both (kernel-roof.ts).
 *
 * Horizon of the shipped case: eval plans H = min(cap, ⌈stepsLeft / F⌉) with the flexible horizon, so its
 * largest plan (the episode's first) has H = min(cap, ⌈episodeLength / F⌉); the case times that H on every plan
 * (cap = the block's horizonTokens, else the default 60; a fixed horizon plans the cap).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { freeCells, goalCell, mazeTask } from '../../sim/maze2d/layouts.js';
import { MAZE_ACTION_STD, mazeTokenLayout } from '../../sim/maze2d/training-task.js';
import { findTask, taskFor } from '../../sim/task-registry.js';
import { ConfigError } from '../errors.js';
import { silentLogger } from '../logging.js';
import { loadModel, MODEL_FILE } from '../model/checkpoint.js';
import { createModel, type DfModel, type ModelConfig } from '../model/index.js';
import { plainNetworkFor } from '../model/plain-network.js';
import { awaitNetworkHelper, helperFlops, setPlainThreads } from '../model/plain-network-helper.js';
import { batchPassCounts } from '../model/plain-network-split.js';
import {
  type Agent,
  createAgent,
  defaultPlannerConfig,
  explainConfigError,
  type PlannerConfig,
  type ResolvedPlannerConfig,
  resolvePlannerSettings,
} from '../planner/index.js';
import { observationIndices, stepSize } from '../tasks/token-layout.js';
import { initBackend } from '../tensor/backend.js';
import { type BenchGroup, type BenchGroupOptions, wantsCase } from './group.js';
import { type KernelRoof, measureKernelRoof } from './kernel-roof.js';
import { runArmPlanBench } from './plan-arm.js';
import { type TensorCase, tensorCases } from './tensor-cases.js';
import { roundTimings, roundTo, summarize } from './timing.js';
import { benchModelConfig } from './train.js';

export const DEFAULT_PLAN_TASK = 'maze2d-medium';
export const TARGET_PLAN_MS = 100;
export const STRETCH_WARM_PLAN_MS = 10;

/**
 * The training command's architecture (bench train's reference, as in models/maze2d-*) for an untrained stand-in. Its normalisation
 * uses the maze task's fixed action/reward entries and unit position/velocity statistics (the real ones come
 * from the dataset; they do not change the cost).
 */
export function untrainedMazeConfig(frameStack = 10): ModelConfig {
  return {
    ...benchModelConfig,
    layout: mazeTokenLayout(frameStack),
    normalization: {
      mean: [0, 0, 0, 0, 0, 0, 0],
      std: [MAZE_ACTION_STD, MAZE_ACTION_STD, 1, 1, 1, 1, 1],
    },
    activation: 'elu',
  };
}

interface PlanCase extends TensorCase {
  cellCallsPerPlan: number;
  rowsPerPlan: number;
  msPerCellCall: number;
  /** CPU time of this process per plan (user + system): less sensitive than wall time to other load. */
  cpuMsMedian: number;
  /** Plan tokens H of the last plan. */
  horizonTokens: number;
  warm: boolean;
  mcgSamples: number;
  planNetwork: string;
  /** Threads the plain network could run on (2: the MCG batch split with the helper thread). */
  threads: number;
  /**
   * Share of the timed batch passes that were split across the two threads (the helper pauses the split while
   * the second core is too busy for it to pay).
   */
  splitFraction: number;
  /** Dense-product FLOPs per plan (plain network only; null for 'tfjs', whose kernels are not counted). */
  flopsPerPlan: number | null;
  /** flopsPerPlan over the median wall time, and its fraction of the roof's single-core / two-core figure. */
  gflops: number | null;
  singleCoreRoofFraction: number | null;
  twoCoreRoofFraction: number | null;
  /**
   * flopsPerPlan over the median CPU time of the process (all its threads) and its fraction of the single-core
   * roof: the efficiency figure that other processes' load does not inflate (wall time counts their turns).
   */
  cpuGflops: number | null;
  cpuSingleCoreRoofFraction: number | null;
}

export interface PlanBenchOptions extends BenchGroupOptions {
  /** Folder holding one model directory per task (`<modelsDir>/<task>/model.json`); default 'models'. */
  modelsDir?: string | undefined;
}

interface BenchModel {
  model: DfModel;
  source: Record<string, unknown>;
  /** model.json's provenance.planner (undefined when absent or for the untrained stand-in). */
  plannerBlock: unknown;
  /** The file the block came from, for error messages; or why there is none. */
  modelFile: string | null;
}

async function benchModel(task: string, modelsDir: string): Promise<BenchModel> {
  const dir = path.join(modelsDir, task);
  const modelFile = path.join(dir, MODEL_FILE);
  if (fs.existsSync(modelFile)) {
    const { model, provenance } = await loadModel(dir);
    return {
      model,
      plannerBlock: provenance.planner,
      modelFile,
      source: {
        kind: 'trained',
        dir,
        steps: provenance.steps,
        finalLoss: provenance.finalLoss,
        savedAt: provenance.savedAt,
      },
    };
  }
  mazeTask(task); // an unknown task is an InputError naming the valid ones
  return {
    model: createModel(untrainedMazeConfig(), 0),
    plannerBlock: undefined,
    modelFile: null,
    source: {
      kind: 'untrained',
      reason: `${dir} does not exist`,
      config: 'same architecture as the training command',
    },
  };
}

/**
 * The planner settings eval resolves for the bench's model (defaults when it has no block or is the untrained
 * stand-in). A malformed block is eval's ModelFileError when `needed`; otherwise null (the shipped case is off).
 */
function shippedSettings(
  block: unknown,
  modelFile: string | null,
  needed: boolean,
): ResolvedPlannerConfig | null {
  try {
    return resolvePlannerSettings(defaultPlannerConfig, block, modelFile ?? MODEL_FILE, {});
  } catch (err) {
    if (needed) throw err;
    return null;
  }
}

function settingsFromModel(resolved: ResolvedPlannerConfig): boolean {
  return Object.values(resolved.sources).includes('model');
}

/** Where the shipped case's settings came from, in words. */
function shippedNote(resolved: ResolvedPlannerConfig, block: unknown, modelFile: string | null): string {
  if (settingsFromModel(resolved)) return `${modelFile} provenance.planner`;
  if (modelFile === null) return 'untrained stand-in: planner defaults';
  if (block === undefined || block === null) {
    return `${modelFile} has no provenance.planner block (\`df-planner eval --save-planner\` writes one): planner defaults`;
  }
  return `${modelFile} provenance.planner sets nothing but the seed: planner defaults`;
}

/** `bench plan` with a models folder other than models/ (tests; the CLI uses the default group). */
export async function runPlanBench(options: PlanBenchOptions): Promise<Record<string, unknown>> {
  const task = taskFor(options.task ?? DEFAULT_PLAN_TASK, 'bench').id;
  if (findTask(task)?.robot === 'arm') return runArmPlanBench(options);
  const info = await initBackend({ logger: silentLogger });
  const maze = mazeTask(task);
  const repeats = options.repeats ?? 10;
  const coldRepeats = Math.max(3, Math.ceil(repeats / 2));
  const wants = (name: string) => wantsCase(options, name);
  const tensorsAtStart = tf.memory().numTensors;
  const { model, source, plannerBlock, modelFile } = await benchModel(task, options.modelsDir ?? 'models');
  const { cases, recordBaselineMatmul, addBaselineRatios } = tensorCases();
  // Measured in the same run before the first plain case, so every case's GFLOP/s compares with it.
  let roof: KernelRoof | null = null;
  const layout = model.config.layout;
  const frames = layout.frameStack;
  const horizon = Math.ceil(maze.episodeLength / frames);
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new ConfigError(`task ${task}: cannot derive a horizon from ${maze.episodeLength} steps`, 'task');
  }
  const d = stepSize(layout);
  const obsIndices = observationIndices(layout);
  const [si, sj] = freeCells(maze.maze)[0]!;
  const [gi, gj] = goalCell(maze.maze);
  const start = [si, sj, 0, 0];
  const goal = [gi, gj];

  // `explain` annotates a refused config with where its settings came from (the shipped case, as eval does).
  const record = async (
    name: string,
    config: Partial<PlannerConfig>,
    reps: number,
    explain?: (err: unknown) => unknown,
    threads: 1 | 2 = 2,
  ): Promise<PlanCase | undefined> => {
    if (!wants(name)) return undefined;
    if (config.planNetwork === 'plain') roof ??= await measureKernelRoof();
    setPlainThreads(threads);
    // Plain MCG plans split their batch across both cores once the helper thread is up: wait for it, so the
    // timed plans measure what a running planner does.
    const helper =
      threads === 2 && config.planNetwork === 'plain'
        ? await awaitNetworkHelper(20_000, plainNetworkFor(model))
        : false;
    let agent: Agent;
    try {
      agent = createAgent(model, { config, actionLow: [-1, -1], actionHigh: [1, 1] });
    } catch (err) {
      throw explain ? explain(err) : err;
    }
    try {
      // A long episode keeps H at the cap on every plan; the objective is scaled by the real episode length.
      agent.reset({
        observation: start,
        goal,
        stepsRemaining: 1_000_000,
        episodeSteps: maze.episodeLength,
      });
      let last = agent.plan();
      const plain = agent.config.planNetwork === 'plain' ? plainNetworkFor(model) : null;
      const round = () => {
        for (let f = 0; f < frames; f++) {
          agent.act();
          agent.observe(
            obsIndices.map((k) => last.steps[f * d + k]!),
            0,
          );
        }
        const flops0 = plain === null ? 0 : plain.denseFlops + helperFlops();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        last = agent.plan();
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        return {
          wall,
          cpu: (cpu.user + cpu.system) / 1000,
          flops: plain === null ? 0 : plain.denseFlops + helperFlops() - flops0,
        };
      };
      // Plain plans are cheap: more untimed rounds, so both threads' code is optimised and the split has been
      // judged (plain-network-helper.ts) before the timed plans.
      const untimed = plain === null ? 2 : 6;
      for (let i = 0; i < untimed; i++) round();
      const before = tf.memory().numTensors;
      const samples: number[] = [];
      const cpuSamples: number[] = [];
      let flops = 0;
      const passes0 = batchPassCounts();
      for (let i = 0; i < reps; i++) {
        const timed = round();
        samples.push(timed.wall);
        cpuSamples.push(timed.cpu);
        flops += timed.flops;
      }
      const stats = summarize(samples);
      const passes1 = batchPassCounts();
      const passes = passes1.passes - passes0.passes;
      const splitFraction = passes === 0 ? 0 : (passes1.split - passes0.split) / passes;
      const flopsPerPlan = plain === null ? null : flops / reps;
      const rate = flopsPerPlan === null ? null : flopsPerPlan / (stats.medianMs * 1e6);
      const cpuMedian = summarize(cpuSamples).medianMs;
      const cpuRate = flopsPerPlan === null || cpuMedian <= 0 ? null : flopsPerPlan / (cpuMedian * 1e6);
      const fraction = (of: number | null) => (rate === null || of === null ? null : roundTo(rate / of, 3));
      const entry: PlanCase = {
        name,
        ...stats,
        tensorsBefore: before,
        tensorsAfter: tf.memory().numTensors,
        cellCallsPerPlan: last.cellCalls,
        rowsPerPlan: last.rows,
        msPerCellCall: roundTo(stats.medianMs / last.cellCalls, 4),
        cpuMsMedian: roundTo(summarize(cpuSamples).medianMs, 2),
        horizonTokens: last.horizonTokens,
        warm: last.warm,
        mcgSamples: agent.config.mcgSamples,
        planNetwork: agent.config.planNetwork,
        threads: helper && agent.config.mcgSamples > 1 ? 2 : 1,
        splitFraction: roundTo(splitFraction, 3),
        flopsPerPlan: flopsPerPlan === null ? null : Math.round(flopsPerPlan),
        gflops: rate === null ? null : roundTo(rate, 2),
        singleCoreRoofFraction: fraction(roof?.singleCoreGflops ?? null),
        twoCoreRoofFraction: fraction(roof?.twoCoreGflops ?? null),
        cpuGflops: cpuRate === null ? null : roundTo(cpuRate, 2),
        cpuSingleCoreRoofFraction:
          cpuRate === null || roof === null ? null : roundTo(cpuRate / roof.singleCoreGflops, 3),
      };
      cases.push(entry);
      return entry;
    } finally {
      agent.dispose();
      setPlainThreads(2);
    }
  };

  const variants: [string, Partial<PlannerConfig>, boolean, number][] = [
    ['cold-guided', {}, false, coldRepeats],
    ['warm-guided', {}, true, repeats],
    ['cold-guided-mcg8', { mcgSamples: 8 }, false, coldRepeats],
    ['warm-guided-mcg8', { mcgSamples: 8 }, true, repeats],
    ['warm-unguided', { guidanceScale: 0 }, true, repeats],
    ['warm-guided-rows3', { warmStepsLeft: 3, warmRows: 3 }, true, repeats],
  ];
  let resolved: ResolvedPlannerConfig | null = null;
  let shipped: PlanCase | undefined;
  let shipped1: PlanCase | undefined;
  try {
    // What eval and the node run with this model, checked as eval checks it; a bad block stops the bench only
    // when the shipped case was asked for (the other cases do not use it).
    resolved = shippedSettings(plannerBlock, modelFile, ['shipped', 'shipped-plain'].some(wants));
    if (wants('baseline-matmul')) await recordBaselineMatmul(repeats);
    for (const [name, config, warm, reps] of variants) {
      const fixed = { ...config, horizonTokens: horizon, warmStart: warm };
      await record(name, { ...fixed, planNetwork: 'tfjs' }, reps);
      await record(`${name}-plain`, { ...fixed, planNetwork: 'plain' }, reps);
      // The same on one core, for the two-thread speed-up in the same run.
      if ((fixed.mcgSamples ?? 1) > 1) {
        await record(`${name}-plain-1thread`, { ...fixed, planNetwork: 'plain' }, reps, undefined, 1);
      }
    }
    const settings = resolved;
    if (settings !== null) {
      const c = settings.config;
      // Eval's largest plan: the flexible horizon plans min(cap, the episode's tokens) at the episode's start.
      const h = c.flexibleHorizon ? Math.min(c.horizonTokens, horizon) : c.horizonTokens;
      const shippedName = c.planNetwork === 'plain' ? 'shipped-plain' : 'shipped';
      const explain = (err: unknown) => explainConfigError(err, settings, modelFile ?? MODEL_FILE);
      const shippedReps = c.warmStart ? repeats : coldRepeats;
      shipped = await record(shippedName, { ...c, horizonTokens: h }, shippedReps, explain);
      if (c.planNetwork === 'plain' && c.mcgSamples > 1) {
        shipped1 = await record(
          `${shippedName}-1thread`,
          { ...c, horizonTokens: h },
          shippedReps,
          explain,
          1,
        );
      }
    }
  } finally {
    model.dispose();
  }
  const tensorsAtEnd = tf.memory().numTensors;

  addBaselineRatios();
  const find = (name: string) => cases.find((c) => c.name === name) as PlanCase | undefined;
  // Headline numbers are the default network's (what eval, the node and `run` use); `networks` compares both.
  const suffix = defaultPlannerConfig.planNetwork === 'plain' ? '-plain' : '';
  const cold = find(`cold-guided${suffix}`);
  const warm = find(`warm-guided${suffix}`);
  const coldMcg = find(`cold-guided-mcg8${suffix}`);
  const warmMcg = find(`warm-guided-mcg8${suffix}`);
  const ms = (c: PlanCase | undefined) => (c ? roundTo(c.medianMs, 1) : null);
  // Same-run comparison per case: CPU ms of both networks and tfjs ÷ plain.
  const networks: Record<string, { tfjsCpuMs: number; plainCpuMs: number; speedup: number }> = {};
  for (const [name] of variants) {
    const a = find(name);
    const b = find(`${name}-plain`);
    if (a === undefined || b === undefined) continue;
    networks[name] = {
      tfjsCpuMs: a.cpuMsMedian,
      plainCpuMs: b.cpuMsMedian,
      speedup: roundTo(a.cpuMsMedian / b.cpuMsMedian, 2),
    };
  }
  const plainWarm = find('warm-guided-plain');
  return {
    backend: info.name,
    backendInfo: info,
    roof,
    task,
    model: { ...source, parameterCount: model.parameterCount },
    horizonTokens: horizon,
    frameStack: frames,
    planner: { ...defaultPlannerConfig, horizonTokens: horizon },
    coldMsMedian: ms(cold),
    warmMsMedian: ms(warm),
    p99Ms: warm ? roundTo(warm.p99Ms, 1) : null,
    coldP99Ms: cold ? roundTo(cold.p99Ms, 1) : null,
    coldCpuMsMedian: cold?.cpuMsMedian ?? null,
    warmCpuMsMedian: warm?.cpuMsMedian ?? null,
    coldMcgMsMedian: ms(coldMcg),
    warmMcgMsMedian: ms(warmMcg),
    cellCallsPerPlan: { cold: cold?.cellCallsPerPlan ?? null, warm: warm?.cellCallsPerPlan ?? null },
    rowsPerPlan: { cold: cold?.rowsPerPlan ?? null, warm: warm?.rowsPerPlan ?? null },
    msPerCellCall: { cold: cold?.msPerCellCall ?? null, warm: warm?.msPerCellCall ?? null },
    targets: { planMs: TARGET_PLAN_MS, stretchWarmPlanMs: STRETCH_WARM_PLAN_MS },
    headlineNetwork: defaultPlannerConfig.planNetwork,
    meetsTarget: warm ? warm.medianMs <= TARGET_PLAN_MS : null,
    coldMeetsTarget: cold ? cold.medianMs <= TARGET_PLAN_MS : null,
    meetsStretch: warm ? warm.medianMs <= STRETCH_WARM_PLAN_MS : null,
    plainWarmMsMedian: ms(plainWarm),
    plainWarmCpuMsMedian: plainWarm?.cpuMsMedian ?? null,
    plainMeetsTarget: plainWarm ? plainWarm.cpuMsMedian <= TARGET_PLAN_MS : null,
    shipped:
      shipped && resolved
        ? {
            case: shipped.name,
            msMedian: roundTo(shipped.medianMs, 1),
            p99Ms: roundTo(shipped.p99Ms, 1),
            cpuMsMedian: shipped.cpuMsMedian,
            cellCallsPerPlan: shipped.cellCallsPerPlan,
            rowsPerPlan: shipped.rowsPerPlan,
            horizonTokens: shipped.horizonTokens,
            warm: shipped.warm,
            mcgSamples: shipped.mcgSamples,
            threads: shipped.threads,
            gflops: shipped.gflops,
            singleCoreRoofFraction: shipped.singleCoreRoofFraction,
            cpuGflops: shipped.cpuGflops,
            cpuSingleCoreRoofFraction: shipped.cpuSingleCoreRoofFraction,
            splitFraction: shipped.splitFraction,
            oneThreadMsMedian: shipped1 ? roundTo(shipped1.medianMs, 1) : null,
            oneThreadP99Ms: shipped1 ? roundTo(shipped1.p99Ms, 1) : null,
            settingsFrom: settingsFromModel(resolved) ? 'model' : 'defaults',
            settingsNote: shippedNote(resolved, plannerBlock, modelFile),
            planner: { ...resolved.config },
          }
        : null,
    shippedMeetsTarget: shipped ? shipped.medianMs <= TARGET_PLAN_MS : null,
    networks,
    numTensors: { before: tensorsAtStart, after: tensorsAtEnd },
    cases: cases.map((c) => roundTimings(c, 2)),
  };
}

const group: BenchGroup = { run: (options) => runPlanBench(options) };

export default group;
