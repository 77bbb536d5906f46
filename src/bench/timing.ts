/**
 * Timing helpers for benchmarks. Machines are shared and noisy: report medians (and p99/min for context),
 * and compare cases as ratios within one run. Speed targets live in benchmarks, never in timed tests.
 */
import os from 'node:os';

export interface TimingStats {
  count: number;
  medianMs: number;
  minMs: number;
  p99Ms: number;
  meanMs: number;
}

export interface TimingOptions {
  /** Untimed calls first (JIT, kernel caches, optimizer slots). */
  warmup?: number;
  /** Timed calls. */
  repeats?: number;
}

export function summarize(samplesMs: number[]): TimingStats {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  const mid = s.length / 2;
  const median = s.length % 2 === 1 ? s[Math.floor(mid)]! : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return {
    count: s.length,
    medianMs: median,
    minMs: s[0] ?? Number.NaN,
    p99Ms: at(0.99),
    meanMs: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
  };
}

/** Times `fn` `repeats` times after `warmup` untimed calls. */
export async function timeRepeated(
  fn: () => unknown | Promise<unknown>,
  options: TimingOptions = {},
): Promise<TimingStats> {
  const { warmup = 2, repeats = 10 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/** `x` rounded to `digits` decimals (for printing). */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A case with its times rounded to `digits` decimals for the JSON output. */
export function roundTimings<C extends TimingStats>(c: C, digits: number): C {
  return {
    ...c,
    medianMs: roundTo(c.medianMs, digits),
    minMs: roundTo(c.minMs, digits),
    p99Ms: roundTo(c.p99Ms, digits),
    meanMs: roundTo(c.meanMs, digits),
  };
}

/** What the numbers were measured on, printed with every bench result. */
export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
