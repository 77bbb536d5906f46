/**
 * `df-planner bench latency`: score against added planning latency, in real time. For each planner variant
 * (the node's old `hold` behaviour and, where the node has it, plans asked for `ahead` of their boundary) and
 * each added delay D (`plan_delay_ms`: the planner thread stays busy D ms longer per plan), one `df-planner run`
 * pair (sim node + planner node on the bus, real time) over the same starts; plus one lockstep run on those
 * starts as the reference. JSON out (every point's score, stale-step fraction, plan latency and fallback
 * commands) and a PNG with labelled axes: score vs D per variant, the lockstep score as a band.
 *
 * Real time costs real time (an episode of maze2d-medium is 6 s), so the sweep runs few episodes per point
 * (`--episodes`, default 10; the JSON and the picture state the count) on one seed; the 100-episode numbers
 * come from `df-planner run --episodes 100` at the points that matter. It lives in src/cli because it drives
 * `run`'s node pair (runMazePair).
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TASKS } from '../../sim/task-registry.js';
import type { BenchGroup, BenchGroupOptions } from '../bench/group.js';
import { roundTo } from '../bench/timing.js';
import { ConfigError } from '../errors.js';
import { silentLogger, stderrLogger } from '../logging.js';
import { NODE_PARAMS } from '../node/index.js';
import { type Rgb, renderLinePlot, writePng } from '../render/index.js';
import { checkOutputFile } from './output-path.js';
import { type MazePairResult, runMazePair } from './run.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_DELAYS_MS = [0, 25, 50, 100, 150] as const;
export const DEFAULT_EPISODES = 10;

/** A planner variant: a name and the planner parameters (`name:=value`) that make it. */
export interface LatencyVariant {
  readonly name: string;
  readonly params: readonly string[];
}

/** hold (the node's old behaviour) and, when the node declares plan_timing, ahead. */
export function defaultVariants(): LatencyVariant[] {
  if (!NODE_PARAMS.some((p) => (p.name as string) === 'plan_timing')) return [{ name: 'hold', params: [] }];
  return [
    { name: 'hold', params: ['plan_timing:=hold'] },
    { name: 'ahead', params: ['plan_timing:=ahead'] },
  ];
}

/** `hold=plan_timing:=hold;ahead=plan_timing:=ahead,replan_period:=5` → variants (a bare name has no params). */
export function parseVariants(text: string): LatencyVariant[] {
  const out = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      const name = (eq < 0 ? entry : entry.slice(0, eq)).trim();
      const params =
        eq < 0
          ? []
          : entry
              .slice(eq + 1)
              .split(',')
              .map((p) => p.trim())
              .filter((p) => p !== '');
      if (!/^[\w-]+$/.test(name) || params.some((p) => !/^\w+:=\S+$/.test(p))) {
        throw new ConfigError(
          `bad variant '${entry}': write NAME or NAME=param:=value[,param:=value], e.g. 'hold=plan_timing:=hold'`,
          '--variants',
        );
      }
      return { name, params };
    });
  if (out.length === 0) throw new ConfigError('--variants names no variant', '--variants');
  return out;
}

/** `0,25,50` → [0, 25, 50] ms. */
export function parseDelays(text: string): number[] {
  const delays = text.split(',').map((s) => Number(s.trim()));
  if (delays.length === 0 || delays.some((d) => !Number.isFinite(d) || d < 0 || d > 10_000)) {
    throw new ConfigError(
      `bad --delays '${text}': comma-separated milliseconds in [0, 10000], e.g. 0,50,100`,
      '--delays',
    );
  }
  return delays;
}

export interface LatencyPoint {
  readonly variant: string;
  /** Added planning latency, ms (null for the lockstep reference). */
  readonly delayMs: number | null;
  readonly mode: 'realtime' | 'lockstep';
  readonly episodes: number;
  readonly normalizedScore: { readonly mean: number; readonly stderr: number | null };
  readonly successRate: number;
  /** Sim steps applied without a new command (deadline misses + catch-up steps) / steps. */
  readonly staleStepFraction: number;
  readonly simDeadlineMisses: number;
  readonly catchUpSteps: number;
  readonly simSteps: number;
  readonly planLatencyMs: { readonly median: number | null; readonly p99: number | null };
  readonly plannerDeadlineMisses: number;
  readonly fallbackCommands: number;
  readonly wallSeconds: number;
  /** 1-min load average when the point ended. */
  readonly load1: number;
}

function point(
  variant: string,
  delayMs: number | null,
  mode: 'realtime' | 'lockstep',
  r: MazePairResult,
  load1: number,
): LatencyPoint {
  const eps = r.report.episodes;
  const n = eps.length;
  const scores = eps.map((e) => e.normalizedScore);
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  const sum = (f: (e: (typeof eps)[number]) => number) => eps.reduce((a, e) => a + f(e), 0);
  const steps = sum((e) => e.steps);
  const misses = sum((e) => e.deadlineMisses);
  const catchUp = sum((e) => e.catchUpSteps);
  return {
    variant,
    delayMs,
    mode,
    episodes: n,
    normalizedScore: { mean: roundTo(mean, 2), stderr: n > 1 ? roundTo(sd / Math.sqrt(n), 2) : null },
    successRate: sum((e) => (e.success ? 1 : 0)) / n,
    staleStepFraction: roundTo((misses + catchUp) / steps, 4),
    simDeadlineMisses: misses,
    catchUpSteps: catchUp,
    simSteps: steps,
    planLatencyMs: {
      median: r.planLatencyMs.median === null ? null : roundTo(r.planLatencyMs.median, 1),
      p99: r.planLatencyMs.p99 === null ? null : roundTo(r.planLatencyMs.p99, 1),
    },
    plannerDeadlineMisses: r.counters.deadlineMisses,
    fallbackCommands: r.counters.fallbackCommands,
    wallSeconds: roundTo(r.wallSeconds, 1),
    load1,
  };
}

export interface LatencySweepOptions {
  readonly task: string;
  readonly modelDir: string;
  readonly episodes: number;
  readonly seed: number;
  readonly delaysMs: readonly number[];
  readonly variants: readonly LatencyVariant[];
  /** Cut episodes short (tests; such scores are not D4RL's). */
  readonly maxSteps?: number;
  /** Progress lines (one per point). */
  readonly progress?: (line: string) => void;
}

/** Runs the sweep: the lockstep reference first, then every (variant, delay) in real time. */
export async function latencySweep(o: LatencySweepOptions): Promise<LatencyPoint[]> {
  const load1 = async () => roundTo((await import('node:os')).loadavg()[0]!, 2);
  const pair = (lockstep: boolean, delayMs: number, params: readonly string[]) =>
    runMazePair({
      task: o.task,
      modelDir: o.modelDir,
      lockstep,
      seed: o.seed,
      episodes: o.episodes,
      planDelayMs: delayMs,
      ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
      passThrough: params.flatMap((p) => ['-p', `planner:${p}`]),
      logger: silentLogger,
    });
  const points: LatencyPoint[] = [];
  const reference = point('lockstep', null, 'lockstep', await pair(true, 0, []), await load1());
  points.push(reference);
  o.progress?.(`lockstep reference: score ${reference.normalizedScore.mean} (${o.episodes} episodes)`);
  for (const v of o.variants) {
    for (const d of o.delaysMs) {
      const p = point(v.name, d, 'realtime', await pair(false, d, v.params), await load1());
      points.push(p);
      o.progress?.(
        `${v.name} +${d} ms: score ${p.normalizedScore.mean} ± ${p.normalizedScore.stderr ?? '-'}, ` +
          `stale steps ${(100 * p.staleStepFraction).toFixed(1)} %, plan latency median ${p.planLatencyMs.median} ms, load ${p.load1}`,
      );
    }
  }
  return points;
}

const COLORS: readonly Rgb[] = [
  [200, 60, 40],
  [40, 110, 200],
  [60, 160, 80],
  [150, 80, 180],
];

/** Score vs added latency per variant (stale-step fraction in a second panel), the lockstep score as a band. */
export function latencyPlotPng(points: readonly LatencyPoint[], title: string): Buffer {
  const reference = points.find((p) => p.mode === 'lockstep');
  const variants = [...new Set(points.filter((p) => p.mode === 'realtime').map((p) => p.variant))];
  const series = (pick: (p: LatencyPoint) => number) =>
    variants.map((name, i) => {
      const ps = points.filter((p) => p.variant === name && p.delayMs !== null);
      return {
        x: ps.map((p) => p.delayMs as number),
        y: ps.map(pick),
        color: COLORS[i % COLORS.length]!,
        thickness: 2,
        label: `${name} (real time)`,
      };
    });
  const ref = reference?.normalizedScore;
  // The axis covers the lockstep band too (the panel's own range follows its series only).
  const scores = points.filter((p) => p.mode === 'realtime').map((p) => p.normalizedScore.mean);
  const lo = Math.min(...scores, ref ? ref.mean - (ref.stderr ?? 0) : Number.POSITIVE_INFINITY);
  const hi = Math.max(...scores, ref ? ref.mean + (ref.stderr ?? 0) : Number.NEGATIVE_INFINITY);
  const margin = 0.05 * Math.max(1, hi - lo);
  return renderLinePlot(
    [
      {
        title: 'score vs added planning latency',
        xLabel: 'added planning latency (ms)',
        yLabel: 'D4RL normalised score',
        series: series((p) => p.normalizedScore.mean),
        ...(Number.isFinite(lo) && Number.isFinite(hi)
          ? { yRange: [lo - margin, hi + margin] as const }
          : {}),
        ...(ref
          ? {
              band: {
                y0: ref.mean - (ref.stderr ?? 0),
                y1: ref.mean + (ref.stderr ?? 0),
                color: [225, 225, 240] as Rgb,
                label: `lockstep ${ref.mean.toFixed(1)}`,
              },
            }
          : {}),
      },
      {
        title: 'sim steps without a new command',
        xLabel: 'added planning latency (ms)',
        yLabel: 'stale steps (%)',
        series: series((p) => 100 * p.staleStepFraction),
      },
    ],
    { title, columns: 2 },
  );
}

const group: BenchGroup = {
  async run(options: BenchGroupOptions) {
    const task = options.task ?? 'maze2d-medium';
    // The sweep drives the maze sim node, so it serves the registry's maze tasks.
    const mazeTasks = TASKS.filter((t) => t.robot === 'maze2d').map((t) => t.id);
    if (!mazeTasks.includes(task)) {
      throw new ConfigError(
        `bench latency runs the maze sim node; pass --task ${mazeTasks.join('|')}`,
        '--task',
      );
    }
    const out = options.out ?? `runs/latency-${task}.png`;
    checkOutputFile(out, '--out', `latency-${task}.png`);
    const episodes = options.episodes ?? DEFAULT_EPISODES;
    const seed = options.seed ?? 0;
    const delaysMs = options.delays !== undefined ? parseDelays(options.delays) : [...DEFAULT_DELAYS_MS];
    const variants = options.variants !== undefined ? parseVariants(options.variants) : defaultVariants();
    const started = performance.now();
    const points = await latencySweep({
      task,
      modelDir: path.join(packageRoot, 'models', task),
      episodes,
      seed,
      delaysMs,
      variants,
      progress: (line) => stderrLogger.info(`bench latency: ${line}`),
    });
    writePng(
      out,
      latencyPlotPng(
        points,
        `${task}, seed ${seed}, ${episodes} episodes per point, real time vs added latency`,
      ),
    );
    return {
      task,
      seed,
      episodesPerPoint: episodes,
      delaysMs,
      variants,
      picture: out,
      wallSeconds: roundTo((performance.now() - started) / 1000, 1),
      points,
    };
  },
};
export default group;
