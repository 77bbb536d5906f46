/**
 * Timed tfjs benchmark cases, shared by `bench train` and `bench sample`: each case warms up, then counts live
 * tensors around its timed loop (a leak shows as tensorsAfter ≠ tensorsBefore), and every case is also
 * reported as a ratio to the same plain-matmul baseline, so numbers from one noisy run compare.
 */
import * as tf from '@tensorflow/tfjs';
import { roundTo, type TimingStats, timeRepeated } from './timing.js';

export interface TensorCase extends TimingStats {
  name: string;
  ratioToBaseline?: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

export const BASELINE_MATMUL_CASE = 'baseline-matmul-3840x128x128';

export interface TensorCases {
  /** Cases in the order they were recorded. */
  readonly cases: TensorCase[];
  /**
   * Runs `fn` `warmup` times untimed (kernel caches, optimizer slots), then `repeats` timed times; returns the
   * recorded case and what the last warm-up call returned (e.g. a cell-call count).
   */
  record<R>(
    name: string,
    fn: () => R | Promise<R>,
    repeats: number,
    warmup?: number,
  ): Promise<{ entry: TensorCase; result: R | undefined }>;
  /** The cross-group yardstick: one [3840, 128] × [128, 128] matmul, read back; ≥ 20 repeats. */
  recordBaselineMatmul(repeats: number): Promise<void>;
  /** Sets `ratioToBaseline` (2 decimals) on every case when the baseline ran. */
  addBaselineRatios(): void;
}

export function tensorCases(): TensorCases {
  const cases: TensorCase[] = [];
  const record = async <R>(name: string, fn: () => R | Promise<R>, repeats: number, warmup = 2) => {
    let result: R | undefined;
    for (let i = 0; i < warmup; i++) result = await fn();
    const before = tf.memory().numTensors;
    const stats = await timeRepeated(fn, { warmup: 0, repeats });
    const entry: TensorCase = { name, ...stats, tensorsBefore: before, tensorsAfter: tf.memory().numTensors };
    cases.push(entry);
    return { entry, result };
  };
  return {
    cases,
    record,
    async recordBaselineMatmul(repeats) {
      const a = tf.randomNormal([3840, 128]);
      const w = tf.randomNormal([128, 128]);
      try {
        await record(
          BASELINE_MATMUL_CASE,
          async () => {
            const y = tf.matMul(a, w);
            await y.data();
            y.dispose();
          },
          Math.max(repeats, 20),
        );
      } finally {
        tf.dispose([a, w]);
      }
    },
    addBaselineRatios() {
      const baseline = cases.find((c) => c.name === BASELINE_MATMUL_CASE);
      if (baseline) for (const c of cases) c.ratioToBaseline = roundTo(c.medianMs / baseline.medianMs, 2);
    },
  };
}
