/**
 * The training loss curve written beside a checkpoint (`loss.png`): every step's loss in light grey and its
 * exponential moving average in blue (both named in the picture's legend), on a log axis because diffusion
 * losses fall over decades early on.
 */
import { renderLinePlot } from './line-plot.js';

/** Exponential moving average with bias correction (so early values are not pulled towards 0). */
export function lossEma(losses: ArrayLike<number>, decay = 0.98): Float64Array {
  const out = new Float64Array(losses.length);
  let m = 0;
  let w = 0;
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i]!;
    if (Number.isFinite(v)) {
      m = decay * m + (1 - decay) * v;
      w = decay * w + (1 - decay);
    }
    out[i] = w > 0 ? m / w : Number.NaN;
  }
  return out;
}

export interface LossPlotOptions {
  readonly title?: string;
  /** EMA decay for the smoothed curve; default scales with the run (a window of ~1% of the steps). */
  readonly emaDecay?: number;
}

/** PNG bytes of the loss curve; `losses[i]` is the loss of step i + 1. */
export function lossPlot(losses: ArrayLike<number>, options: LossPlotOptions = {}): Buffer {
  const steps = Float64Array.from({ length: losses.length }, (_, i) => i + 1);
  const ema = lossEma(losses, options.emaDecay ?? 1 - 1 / Math.max(1, losses.length / 100));
  const raw = Float64Array.from(losses as ArrayLike<number>);
  return renderLinePlot(
    [
      {
        title: options.title ?? 'training loss',
        xLabel: 'step',
        yLabel: 'loss',
        logY: true,
        series: [
          { x: steps, y: raw, color: [200, 200, 200], label: 'loss of each step' },
          { x: steps, y: ema, color: [30, 90, 200], thickness: 2, label: 'moving average' },
        ],
      },
    ],
    { panelWidth: 720, panelHeight: 420 },
  );
}
