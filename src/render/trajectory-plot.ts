/**
 * Picture of sampled sequences: one panel per step dimension (e.g. position x, position y, velocity x, …),
 * value against env step, one coloured line per sequence, over a grey band of the data's mean ± 2 std.
 * Used by `df-planner sample --plot` and `df-planner demo`.
 */

import { type PlotPanel, renderLinePlot } from './line-plot.js';
import type { Rgb } from './raster.js';

/** Distinguishable line colours (cycled). */
const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [214, 39, 40],
  [44, 160, 44],
  [148, 103, 189],
  [255, 127, 14],
  [23, 190, 207],
  [140, 86, 75],
  [227, 119, 194],
];

export interface TrajectoryPlotOptions {
  readonly title?: string;
  /** Names of the step dimensions, e.g. ['position x', 'position y', …]. */
  readonly labels: readonly string[];
  /** Per-dimension band (mean ± 2 std of the data). */
  readonly normalization?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** At most this many sequences are drawn. */
  readonly maxSequences?: number;
}

/** PNG bytes for [B, N, d] batch-major env steps (denormalised). */
export function trajectoryPlot(
  steps: ArrayLike<number>,
  batchSize: number,
  options: TrajectoryPlotOptions,
): Buffer {
  const d = options.labels.length;
  const n = steps.length / (batchSize * d);
  const shown = Math.min(batchSize, options.maxSequences ?? 8);
  const xs = Float64Array.from({ length: n }, (_, i) => i + 1);
  const panels: PlotPanel[] = options.labels.map((label, j) => {
    const series = [];
    for (let b = 0; b < shown; b++) {
      const ys = new Float64Array(n);
      for (let i = 0; i < n; i++) ys[i] = steps[(b * n + i) * d + j]!;
      // The legend (first panel only: the colours mean the same in every panel) names each sequence.
      series.push({
        x: xs,
        y: ys,
        color: PALETTE[b % PALETTE.length]!,
        ...(j === 0 ? { label: `sequence ${b + 1}` } : {}),
      });
    }
    const norm = options.normalization;
    const band = norm
      ? {
          y0: norm.mean[j]! - 2 * norm.std[j]!,
          y1: norm.mean[j]! + 2 * norm.std[j]!,
          color: [236, 236, 236] as Rgb,
          ...(j === 0 ? { label: 'data mean +- 2 std' } : {}),
        }
      : undefined;
    return { title: label, xLabel: 'env step', series, ...(band ? { band } : {}) };
  });
  return renderLinePlot(panels, {
    ...(options.title ? { title: options.title } : {}),
    columns: d <= 4 ? 2 : 3,
    panelWidth: Math.min(900, Math.max(420, n * 2 + 120)),
    panelHeight: 260,
  });
}
