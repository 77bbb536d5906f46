/**
 * `df-planner bench plan --task arm-swap`: the arm planner's cost per token on one core. Target (issue 12):
 * ≤ 20 ms median per token.
 *
 * A token of the arm is F = 5 control steps (0.5 s). Its planning work is the F observe() calls that absorb the
 * executed token into the posterior latent (one cell call at the boundary) plus one plan() (S denoising rows
 * over H tokens, unguided). Each timed round feeds the last plan's own predicted observations back (open loop,
 * as `bench plan` does for the maze), then times observe×F + plan(); the episode is long enough that H stays at
 * its cap. The model is models/arm-swap (its provenance.planner block resolved as eval does); without it the
 * group says so and measures nothing.
 *
 * Cases: `shipped` (the model's settings: posterior latent), `reencode` (the memoryless baseline: no absorb,
 * an encoder pass per plan), and `shipped-noisy-noised` (every token flagged noisy and diffused before it is
 * absorbed: the occluded-sensor path). All on one thread (setPlainThreads(1)).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ARM_ACTION_HIGH, ARM_ACTION_LOW } from '../../sim/arm/arm-env.js';
import { FINGER_OPEN, FRUIT_HALF_HEIGHT, HOME, SLOTS } from '../../sim/arm/geometry.js';
import { armIk } from '../../sim/arm/kinematics.js';
import { silentLogger } from '../logging.js';
import { loadModel, MODEL_FILE } from '../model/checkpoint.js';
import { setPlainThreads } from '../model/plain-network-helper.js';
import {
  type Agent,
  createAgent,
  defaultPlannerConfig,
  type PlannerConfig,
  resolvePlannerSettings,
} from '../planner/index.js';
import { observationIndices, stepSize } from '../tasks/token-layout.js';
import { initBackend } from '../tensor/backend.js';
import type { BenchGroupOptions } from './group.js';
import { roundTo, summarize } from './timing.js';

export const ARM_PLAN_TASK = 'arm-swap';
export const TARGET_ARM_TOKEN_MS = 20;

/** The arm at rest at HOME, gripper open, fruits upright in A and B (case AB): the reset observation, noise-free. */
function homeObservation(): number[] {
  const q = armIk(HOME, new Float64Array(4));
  const [ax, ay] = SLOTS.A;
  const [bx, by] = SLOTS.B;
  return [...q, 0, 0, 0, 0, 2 * FINGER_OPEN, ax, ay, FRUIT_HALF_HEIGHT, bx, by, FRUIT_HALF_HEIGHT];
}

export async function runArmPlanBench(
  options: BenchGroupOptions & { modelsDir?: string | undefined },
): Promise<Record<string, unknown>> {
  const info = await initBackend({ logger: silentLogger });
  const dir = path.join(options.modelsDir ?? 'models', ARM_PLAN_TASK);
  const modelFile = path.join(dir, MODEL_FILE);
  if (!fs.existsSync(modelFile)) {
    return {
      backend: info.name,
      task: ARM_PLAN_TASK,
      model: null,
      note: `${dir} has no model.json: train one (df-planner train --task ${ARM_PLAN_TASK}) to benchmark it`,
      cases: [],
    };
  }
  const { model, provenance } = await loadModel(dir);
  const repeats = options.repeats ?? 40;
  const resolved = resolvePlannerSettings(defaultPlannerConfig, provenance.planner, modelFile, {});
  const layout = model.config.layout;
  const frames = layout.frameStack;
  const d = stepSize(layout);
  const obsIndices = observationIndices(layout);
  const tensorsAtStart = tf.memory().numTensors;
  setPlainThreads(1);

  const run = (name: string, config: Partial<PlannerConfig>, noisy: boolean) => {
    if (options.filter !== undefined && !name.includes(options.filter)) return null;
    const agent: Agent = createAgent(model, {
      config: { ...resolved.config, ...config },
      actionLow: ARM_ACTION_LOW,
      actionHigh: ARM_ACTION_HIGH,
    });
    try {
      agent.reset({ observation: homeObservation(), stepsRemaining: 1_000_000, episodeSteps: 400 });
      let last = agent.plan();
      const round = () => {
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        for (let f = 0; f < frames; f++) {
          agent.act();
          agent.observe(
            obsIndices.map((k) => last.steps[f * d + k]!),
            0,
            noisy ? { noisy: true } : {},
          );
        }
        const t1 = performance.now();
        last = agent.plan();
        const t2 = performance.now();
        const cpu = process.cpuUsage(cpu0);
        return { token: t2 - t0, observe: t1 - t0, plan: t2 - t1, cpu: (cpu.user + cpu.system) / 1000 };
      };
      for (let i = 0; i < 3; i++) round();
      const before = tf.memory().numTensors;
      const rounds = Array.from({ length: repeats }, round);
      const token = summarize(rounds.map((r) => r.token));
      return {
        name,
        tokenMsMedian: roundTo(token.medianMs, 2),
        tokenMsP99: roundTo(token.p99Ms, 2),
        planMsMedian: roundTo(summarize(rounds.map((r) => r.plan)).medianMs, 2),
        observeMsMedian: roundTo(summarize(rounds.map((r) => r.observe)).medianMs, 2),
        cpuMsMedian: roundTo(summarize(rounds.map((r) => r.cpu)).medianMs, 2),
        cellCallsPerPlan: last.cellCalls,
        horizonTokens: last.horizonTokens,
        count: token.count,
        tensorsBefore: before,
        tensorsAfter: tf.memory().numTensors,
        planner: { ...agent.config },
      };
    } finally {
      agent.dispose();
    }
  };

  const cases = [
    run('shipped', {}, false),
    run('reencode', { latentMode: 'reencode' }, false),
    run('shipped-noisy-noised', { noisyAbsorb: 'noised' }, true),
  ].filter((c) => c !== null);
  model.dispose();
  const shipped = cases.find((c) => c.name === 'shipped');
  return {
    backend: info.name,
    backendInfo: info,
    task: ARM_PLAN_TASK,
    model: { kind: 'trained', dir, steps: provenance.steps, parameterCount: model.parameterCount },
    frameStack: frames,
    threads: 1,
    planner: resolved.config,
    tokenMsMedian: shipped?.tokenMsMedian ?? null,
    cpuMsMedian: shipped?.cpuMsMedian ?? null,
    targets: { tokenMs: TARGET_ARM_TOKEN_MS },
    meetsTarget: shipped ? shipped.tokenMsMedian <= TARGET_ARM_TOKEN_MS : null,
    loadAverage: fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').trim() : null,
    numTensors: { before: tensorsAtStart, after: tf.memory().numTensors },
    cases,
  };
}
