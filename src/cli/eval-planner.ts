/**
 * What every task's `df-planner eval --model` shares: the planner settings resolved for the run (defaults <
 * the model's provenance.planner block < flags; the noise seed always from the command line), the refusal of a
 * model trained on another task, the per-episode agent factory, and the plan-latency summary of the records.
 */

import path from 'node:path';
import cliProgress from 'cli-progress';
import type { EpisodeBase } from '../../sim/episode-runner.js';
import { roundTo, summarize } from '../bench/timing.js';
import { ConfigError } from '../errors.js';
import { MODEL_FILE } from '../model/checkpoint.js';
import type { Agent, PlannerConfig } from '../planner/index.js';
import { plannerFlagsConfig } from './planner-flags.js';
import {
  explainConfigError,
  modelTask,
  type ResolvedPlannerConfig,
  resolvePlannerSettings,
} from './planner-policy.js';
import type { LoadedModel } from './with-model.js';

export interface EvalPlanner {
  readonly resolved: ResolvedPlannerConfig;
  readonly plannerSeed: number;
  readonly modelFile: string;
  /** The task the model was trained on (provenance), or null when it does not say. */
  readonly trainedOn: string | null;
  /** A fresh agent with the resolved settings and noise seed `seed` (refused settings explained). */
  makeAgent(seed: number): Agent;
}

/**
 * Resolves the planner of an eval run on `taskId` and checks it once by building (and freeing) an agent, so bad
 * settings are refused before any episode runs.
 */
export async function evalPlanner(
  opts: Parameters<typeof plannerFlagsConfig>[0] & {
    readonly seed: number;
    readonly 'allow-task-mismatch'?: boolean | undefined;
  },
  dir: string,
  loaded: LoadedModel,
  taskId: string,
  actionSpace: { readonly low: ArrayLike<number>; readonly high: ArrayLike<number> },
): Promise<EvalPlanner> {
  const { createAgent, defaultPlannerConfig } = await import('../planner/index.js');
  const modelFile = path.join(dir, MODEL_FILE);
  const { model, provenance } = loaded;
  const trainedOn = modelTask(provenance);
  if (trainedOn !== null && trainedOn !== taskId && opts['allow-task-mismatch'] !== true) {
    throw new ConfigError(
      `${dir} was trained on ${trainedOn}, not ${taskId} (each task has its own model and normalisation); ` +
        `pass --task ${trainedOn}, a ${taskId} model, or --allow-task-mismatch to run it anyway`,
      '--model',
    );
  }
  const flags: Record<string, unknown> = plannerFlagsConfig(opts);
  const plannerSeed = (opts as { 'planner-seed'?: number })['planner-seed'] ?? opts.seed;
  flags['seed'] = plannerSeed;
  const modelBlock = (provenance as unknown as Record<string, unknown>)['planner'];
  const resolved = resolvePlannerSettings(
    defaultPlannerConfig,
    modelBlock,
    modelFile,
    flags as Partial<PlannerConfig>,
  );
  const makeAgent = (seed: number) => {
    try {
      return createAgent(model, {
        config: { ...resolved.config, seed },
        actionLow: actionSpace.low,
        actionHigh: actionSpace.high,
      });
    } catch (err) {
      throw explainConfigError(err, resolved, modelFile);
    }
  };
  makeAgent(plannerSeed).dispose();
  return { resolved, plannerSeed, modelFile, trainedOn, makeAgent };
}

export function progressBar(format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ stream: process.stderr, format }, cliProgress.Presets.shades_classic);
}

/** Plan latency over all episodes (plan() wall time), cell calls per plan, and act/observe overhead. */
export function latencyJson(records: readonly EpisodeBase[]) {
  const plans = records.flatMap((r) => r.policyTrace?.plans ?? []);
  const r3 = (v: number) => roundTo(v, 3);
  const stats = (ms: number[]) => {
    if (ms.length === 0) return null;
    const s = summarize(ms);
    return { median: r3(s.medianMs), p99: r3(s.p99Ms), mean: r3(s.meanMs), count: s.count };
  };
  const all = stats(plans.map((t) => t.ms));
  const cold = stats(plans.filter((t) => t.warm === false).map((t) => t.ms));
  const warm = stats(plans.filter((t) => t.warm === true).map((t) => t.ms));
  const cells = plans.flatMap((t) => (t.cellCalls === undefined ? [] : [t.cellCalls]));
  const overhead = (pick: 'actMs' | 'observeMs') => {
    const values = records.flatMap((r) => Array.from(r.policyTrace?.[pick] ?? []));
    const s = stats(values);
    return s === null
      ? { median: null, p99: null, count: 0 }
      : { median: s.median, p99: s.p99, count: s.count };
  };
  return {
    planMs: {
      median: all?.median ?? null,
      p99: all?.p99 ?? null,
      mean: all?.mean ?? null,
      count: plans.length,
      coldMedian: cold?.median ?? null,
      coldCount: cold?.count ?? 0,
      warmMedian: warm?.median ?? null,
      warmCount: warm?.count ?? 0,
    },
    cellCallsPerPlan: cells.length === 0 ? null : summarize(cells).medianMs,
    overheadMs: { act: overhead('actMs'), observe: overhead('observeMs') },
  };
}

export function keysFrom(sources: Readonly<Record<string, string>>, from: string): string[] {
  return Object.entries(sources)
    .filter(([, s]) => s === from)
    .map(([k]) => k);
}

export function formatConfig(config: PlannerConfig): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}
