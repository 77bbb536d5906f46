/**
 * `df-planner bench node`: the planner node in a closed loop with the MuJoCo maze sim node, both on one
 * in-process bus in lockstep (one command per odom; the planner in its worker thread, as deployed), for
 * 10 000 control ticks. Reports tick and plan latency (the node's own windows), deadline misses, the episodes'
 * normalised scores, and memory every 1000 ticks after a full garbage collection:
 *   - tfjs tensors alive in the planner thread (must be constant),
 *   - V8 heap of the planner thread and of the node thread, and their least-squares slope over the soak and
 *     over its second half (KB per 1000 ticks; warm-up shows early and fades, a leak keeps climbing). The node
 *     thread also hosts the sim node, whose episode records (trajectories) grow by design, ~5 KB per episode.
 *
 * Cases:
 *   soak-<task>   the model in models/<task> (copied to a temp dir first: training may rewrite it), table
 *                 defaults of the planner parameters
 *   soak-tiny     an untrained small model with the maze layout (F = 10): the node's own overhead
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { withinGoal } from '../../sim/maze2d/layouts.js';
import { createMazeEnv, type MazeEnv } from '../../sim/maze2d/maze-env.js';
import { mazeTokenLayout } from '../../sim/maze2d/training-task.js';
import { MazeSimNode } from '../../sim/nodes/index.js';
import { taskFor } from '../../sim/task-registry.js';
import { ConfigError } from '../errors.js';
import { silentLogger } from '../logging.js';
import { MODEL_FILE, saveModel, WEIGHTS_FILE } from '../model/checkpoint.js';
import { createModel } from '../model/index.js';
import {
  collectGarbage,
  type HostMemory,
  mazeInterface,
  type NodeTask,
  startPlannerNode,
} from '../node/index.js';
import { initBackend } from '../tensor/backend.js';
import { createBus } from '../transport/index.js';
import { type BenchGroup, type BenchGroupOptions, wantsCase } from './group.js';
import { roundTo } from './timing.js';

const SOAK_TICKS = 10_000;
const SAMPLE_EVERY = 1000;

/** A latency statistic rounded for the JSON, null when nothing was measured. */
function roundOrNull(x: number | null, digits: number): number | null {
  return x === null ? null : roundTo(x, digits);
}

interface MemorySample {
  tick: number;
  plannerTensors: number;
  plannerHeapMB: number;
  nodeHeapMB: number;
}

/** The maze task as the node sees it, from the env itself (bench may not import src/cli). */
function taskOf(env: MazeEnv): NodeTask {
  return {
    id: env.id,
    robot: mazeInterface,
    stepRateHz: 1 / env.dt,
    episodeSteps: env.episodeLength,
    defaultGoal: [...env.goal],
    actionLow: Array.from(env.actionSpace.low),
    actionHigh: Array.from(env.actionSpace.high),
    reward: (o, g) => (g !== null && withinGoal(o, g) ? 1 : 0),
  };
}

/** Least-squares slope of y over x. */
function slope(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const plannerKB = (s: MemorySample) => s.plannerHeapMB * 1024;
const nodeKB = (s: MemorySample) => s.nodeHeapMB * 1024;

function halfSlope(samples: readonly MemorySample[], y: (s: MemorySample) => number): number {
  const half = samples.filter((s) => s.tick > samples.at(-1)!.tick / 2 - 1);
  return slope(
    half.map((s) => s.tick / 1000),
    half.map(y),
  );
}

async function tinyModelDir(dir: string): Promise<void> {
  const model = createModel(
    {
      layout: mazeTokenLayout(10),
      normalization: { mean: [0, 0, 0, 2, 2, 0, 0], std: [2, 2, 1, 1, 1, 1, 1] },
      latentSize: 16,
      hiddenWidth: 32,
      mlpLayers: 2,
      levelEmbeddingSize: 16,
      initEncoderWidth: 16,
      initLatent: 'encoder',
      noise: { schedule: 'linear', levels: 1000 },
      objective: 'x0',
    },
    1,
  );
  try {
    await saveModel(dir, model, {
      command: 'bench node: untrained soak model',
      steps: 0,
      wallTimeSeconds: 0,
      datasetId: 'maze2d-umaze/none',
      seed: 1,
      finalLoss: null,
      tfjsVersion: tf.version.tfjs,
      backend: tf.getBackend(),
      savedAt: new Date().toISOString(),
    });
  } finally {
    model.dispose();
  }
}

async function soak(
  name: string,
  task: string,
  modelDir: string,
  ticks: number,
): Promise<Record<string, unknown>> {
  const bus = createBus({ logger: silentLogger });
  const env = await createMazeEnv(task, { logger: silentLogger });
  const episodes = Math.ceil(ticks / env.episodeLength);
  const simTransport = bus.node('maze_sim');
  const samples: MemorySample[] = [];
  const pending: Promise<void>[] = [];
  let stepsSeen = 0;
  // Set once the planner node exists (the sim only steps after the planner answers, so it is set in time).
  let sampleMemory: (tick: number) => void = () => {};
  const sim = new MazeSimNode(
    simTransport,
    env,
    { lockstep: true, episodes, seed: 0 },
    {
      onStep: () => {
        stepsSeen += 1;
        if (stepsSeen % SAMPLE_EVERY === 0) sampleMemory(stepsSeen);
      },
    },
  );
  const plannerTransport = bus.node('planner', '', [
    '--ros-args',
    '-p',
    `model:=${modelDir}`,
    '-p',
    `task:=${task}`,
    '-p',
    'lockstep:=true',
    '-p',
    'publish_plan:=true',
  ]);
  const node = await startPlannerNode({ transport: plannerTransport, resolveTask: () => taskOf(env) });
  sampleMemory = (tick) => {
    // Measured between ticks of the loop: the request queues behind the current plan in the worker.
    pending.push(
      node.host.call<HostMemory>({ op: 'memory', gc: true }).then((m) => {
        collectGarbage();
        samples.push({
          tick,
          plannerTensors: m.numTensors,
          plannerHeapMB: m.heapUsed / 2 ** 20,
          nodeHeapMB: process.memoryUsage().heapUsed / 2 ** 20,
        });
      }),
    );
  };
  const t0 = performance.now();
  sim.start();
  const report = await sim.done;
  const wallSeconds = (performance.now() - t0) / 1000;
  await Promise.all(pending);
  const counters = { ...node.counters };
  const tick = node.tickLatency;
  const plan = node.planLatency;
  await node.close();
  await bus.close();
  env.close();

  samples.sort((a, b) => a.tick - b.tick);
  const x = samples.map((s) => s.tick / 1000);
  const scores = report.episodes.map((e) => e.normalizedScore);
  return {
    name,
    task,
    model: modelDir,
    ticks: stepsSeen,
    episodes: report.episodes.length,
    wallSeconds: roundTo(wallSeconds, 2),
    ticksPerSecond: roundTo(stepsSeen / wallSeconds, 1),
    tickLatencyMs: {
      median: roundOrNull(tick.percentile(50), 3),
      p99: roundOrNull(tick.percentile(99), 3),
      max: roundOrNull(tick.max, 3),
    },
    planLatencyMs: { median: roundOrNull(plan.percentile(50), 2), p99: roundOrNull(plan.percentile(99), 2) },
    plans: counters.plans,
    warmPlans: counters.warmPlans,
    deadlineMisses: counters.deadlineMisses,
    plannerErrors: counters.planErrors,
    rejected: counters.rejected,
    meanNormalizedScore: roundTo(scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length), 1),
    memory: samples.map((s) => ({
      tick: s.tick,
      plannerTensors: s.plannerTensors,
      plannerHeapMB: roundTo(s.plannerHeapMB, 2),
      nodeHeapMB: roundTo(s.nodeHeapMB, 2),
    })),
    plannerTensorsFlat: samples.every((s) => s.plannerTensors === samples[0]?.plannerTensors),
    plannerHeapSlopeKBPer1kTicks: roundTo(slope(x, samples.map(plannerKB)), 1),
    nodeHeapSlopeKBPer1kTicks: roundTo(slope(x, samples.map(nodeKB)), 1),
    // The first thousands of ticks include JIT and inline-cache warm-up; a leak keeps its slope in the second half.
    plannerHeapSlopeSecondHalfKBPer1kTicks: roundTo(halfSlope(samples, plannerKB), 1),
    nodeHeapSlopeSecondHalfKBPer1kTicks: roundTo(halfSlope(samples, nodeKB), 1),
  };
}

const group: BenchGroup = {
  async run(options: BenchGroupOptions) {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    const { id: task, robot } = taskFor(options.task ?? 'maze2d-umaze', 'bench');
    if (robot !== 'maze2d') {
      throw new ConfigError(`bench node soaks the maze sim node only, not task '${task}'`, 'task');
    }
    const cases: Record<string, unknown>[] = [];
    const tmp = mkdtempSync(join(tmpdir(), 'df-bench-node-'));
    try {
      if (wantsCase(options, 'soak-tiny')) {
        const dir = join(tmp, 'tiny');
        await tinyModelDir(dir);
        cases.push(await soak('soak-tiny', task, dir, SOAK_TICKS));
      }
      const trained = join('models', task);
      if (wantsCase(options, `soak-${task}`) && existsSync(join(trained, MODEL_FILE))) {
        const dir = join(tmp, 'trained');
        mkdirSync(dir);
        copyFileSync(join(trained, MODEL_FILE), join(dir, MODEL_FILE));
        copyFileSync(join(trained, WEIGHTS_FILE), join(dir, WEIGHTS_FILE));
        cases.push(await soak(`soak-${task}`, task, dir, SOAK_TICKS));
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return { backend: tf.getBackend(), plannerThread: 'worker', mode: 'lockstep', cases };
  },
};

export default group;
