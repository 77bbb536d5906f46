/**
 * `df-planner bench plan [--task maze2d-medium]`: the cost of one MPC tick — `agent.plan()` — for a maze task's
 * model at the full remaining horizon (60 tokens for maze2d-medium, F = 10), guided toward the maze's goal.
 * Targets (issue 4): ≤ 100 ms median per tick on one core; stretch ≤ 10 ms warm.
 *
 * The model is models/<task> when it exists (a training run may be rewriting it: its files are replaced
 * atomically, so a load sees one whole checkpoint), otherwise an untrained network of the training command's
 * config (runs/*.log: latent 96, hidden 96, 2 MLP layers, init encoder, maze layout F = 10; 155,622 parameters);
 * `model.source` says which. Timing does not depend on the weights.
 *
 * Each tick executes the plan's first token open-loop (F act/observe calls, fed the plan's own predicted
 * observations, untimed) and then times plan(); the episode is long enough that H stays at the cap.
 *
 * Cases (one run, so they compare as ratios to the matmul baseline):
 *   baseline-matmul-3840x128x128     the cross-group yardstick
 *   cold-guided / warm-guided        planner defaults (S = 10, u = 1, guidance on, warm: 3 steps left, 10 rows)
 *   cold-guided-mcg8 / warm-guided-mcg8    the same with 8 Monte Carlo guidance samples in the batch
 *   warm-unguided                    guidance off (no gradient; unguided rows skip the noise tail)
 *   warm-guided-rows3                a cheaper warm tick: 3 rows (warmRows = warmStepsLeft = 3)
 *   …-plain                          each of the above with planNetwork 'plain' (Float32Array network); the
 *                                    unsuffixed cases pin planNetwork 'tfjs', so the pair is a same-run ratio
 * Per case: cell calls and rows per tick (from PlanResult), ms per cell call, live tensors around the timed loop,
 * and the process CPU time per tick (on a shared machine wall time also counts the other processes' turns).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { freeCells, goalCell, mazeTask } from '../../sim/maze2d/layouts.js';
import { MAZE_ACTION_STD, mazeTokenLayout } from '../../sim/maze2d/training-task.js';
import { ConfigError } from '../errors.js';
import { silentLogger } from '../logging.js';
import { loadModel } from '../model/checkpoint.js';
import { createModel, type DfModel, type ModelConfig } from '../model/index.js';
import { createAgent, defaultPlannerConfig, type PlannerConfig } from '../planner/index.js';
import { observationIndices, stepSize } from '../tasks/token-layout.js';
import { initBackend } from '../tensor/backend.js';
import { type BenchGroup, wantsCase } from './group.js';
import { type TensorCase, tensorCases } from './tensor-cases.js';
import { roundTimings, roundTo, summarize } from './timing.js';
import { benchModelConfig } from './train.js';

export const DEFAULT_PLAN_TASK = 'maze2d-medium';
export const TARGET_TICK_MS = 100;
export const STRETCH_WARM_TICK_MS = 10;

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
  cellCallsPerTick: number;
  rowsPerTick: number;
  msPerCellCall: number;
  /** CPU time of this process per tick (user + system): less sensitive than wall time to other load. */
  cpuMsMedian: number;
  warm: boolean;
  mcgSamples: number;
  planNetwork: string;
}

async function benchModel(task: string): Promise<{ model: DfModel; source: Record<string, unknown> }> {
  const dir = path.join('models', task);
  if (fs.existsSync(path.join(dir, 'model.json'))) {
    const { model, provenance } = await loadModel(dir);
    return {
      model,
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
    source: {
      kind: 'untrained',
      reason: `${dir} does not exist`,
      config: 'same architecture as the training command',
    },
  };
}

const group: BenchGroup = {
  async run(options) {
    const info = await initBackend({ logger: silentLogger });
    const task = options.task ?? DEFAULT_PLAN_TASK;
    const maze = mazeTask(task);
    const repeats = options.repeats ?? 10;
    const coldRepeats = Math.max(3, Math.ceil(repeats / 2));
    const wants = (name: string) => wantsCase(options, name);
    const tensorsAtStart = tf.memory().numTensors;
    const { model, source } = await benchModel(task);
    const { cases, recordBaselineMatmul, addBaselineRatios } = tensorCases();
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

    const record = async (name: string, config: Partial<PlannerConfig>, warm: boolean, reps: number) => {
      if (!wants(name)) return;
      const agent = createAgent(model, {
        config: { ...config, horizonTokens: horizon, warmStart: warm },
        actionLow: [-1, -1],
        actionHigh: [1, 1],
      });
      try {
        // A long episode keeps H at the cap on every tick; the objective is scaled by the real episode length.
        agent.reset({
          observation: start,
          goal,
          stepsRemaining: 1_000_000,
          episodeSteps: maze.episodeLength,
        });
        let last = agent.plan();
        const tick = () => {
          for (let f = 0; f < frames; f++) {
            agent.act();
            agent.observe(
              obsIndices.map((k) => last.steps[f * d + k]!),
              0,
            );
          }
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          last = agent.plan();
          const wall = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          return { wall, cpu: (cpu.user + cpu.system) / 1000 };
        };
        for (let i = 0; i < 2; i++) tick();
        const before = tf.memory().numTensors;
        const samples: number[] = [];
        const cpuSamples: number[] = [];
        for (let i = 0; i < reps; i++) {
          const { wall, cpu } = tick();
          samples.push(wall);
          cpuSamples.push(cpu);
        }
        const stats = summarize(samples);
        const entry: PlanCase = {
          name,
          ...stats,
          tensorsBefore: before,
          tensorsAfter: tf.memory().numTensors,
          cellCallsPerTick: last.cellCalls,
          rowsPerTick: last.rows,
          msPerCellCall: roundTo(stats.medianMs / last.cellCalls, 4),
          cpuMsMedian: roundTo(summarize(cpuSamples).medianMs, 2),
          warm: last.warm,
          mcgSamples: agent.config.mcgSamples,
          planNetwork: agent.config.planNetwork,
        };
        cases.push(entry);
      } finally {
        agent.dispose();
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
    try {
      if (wants('baseline-matmul')) await recordBaselineMatmul(repeats);
      for (const [name, config, warm, reps] of variants) {
        await record(name, { ...config, planNetwork: 'tfjs' }, warm, reps);
        await record(`${name}-plain`, { ...config, planNetwork: 'plain' }, warm, reps);
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
      cellCallsPerTick: { cold: cold?.cellCallsPerTick ?? null, warm: warm?.cellCallsPerTick ?? null },
      rowsPerTick: { cold: cold?.rowsPerTick ?? null, warm: warm?.rowsPerTick ?? null },
      msPerCellCall: { cold: cold?.msPerCellCall ?? null, warm: warm?.msPerCellCall ?? null },
      targets: { tickMs: TARGET_TICK_MS, stretchWarmTickMs: STRETCH_WARM_TICK_MS },
      headlineNetwork: defaultPlannerConfig.planNetwork,
      meetsTarget: warm ? warm.medianMs <= TARGET_TICK_MS : null,
      coldMeetsTarget: cold ? cold.medianMs <= TARGET_TICK_MS : null,
      meetsStretch: warm ? warm.medianMs <= STRETCH_WARM_TICK_MS : null,
      plainWarmMsMedian: ms(plainWarm),
      plainWarmCpuMsMedian: plainWarm?.cpuMsMedian ?? null,
      plainMeetsTarget: plainWarm ? plainWarm.cpuMsMedian <= TARGET_TICK_MS : null,
      networks,
      numTensors: { before: tensorsAtStart, after: tensorsAtEnd },
      cases: cases.map((c) => roundTimings(c, 2)),
    };
  },
};

export default group;
