import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks } from '../../src/render/line-plot.js';
import { lossEma, lossPlot } from '../../src/render/loss-plot.js';
import { trajectoryPlot } from '../../src/render/trajectory-plot.js';

describe('plots', () => {
  it('picks 1-2-5 ticks and short labels', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-0.9, 0.9)).toEqual([-0.5, 0, 0.5]);
    expect(niceTicks(0.37, 4.2)).toEqual([1, 2, 3, 4]);
    expect(formatTick(20000)).toBe('20000');
    expect(formatTick(0.00012)).toBe('1.2e-4');
    expect(formatTick(0.631)).toBe('0.631');
  });

  it('smooths the loss with a bias-corrected EMA', () => {
    const ema = lossEma([4, 4, 4], 0.9);
    expect(Array.from(ema)).toEqual([4, 4, 4]);
    expect(lossEma([1, 3], 0.5)[1]).toBeCloseTo((0.5 * 0.5 * 1 + 0.5 * 3) / 0.75, 12);
  });

  it('renders a loss curve and a trajectory picture with ink in the plot area', () => {
    const losses = Array.from({ length: 300 }, (_, i) => 3 * Math.exp(-i / 50) + 0.1);
    const loss = PNG.sync.read(lossPlot(losses));
    const blue = (png: PNG) => {
      let n = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i + 2]! > 150 && png.data[i]! < 100) n++;
      return n;
    };
    expect(blue(loss)).toBeGreaterThan(300);
    const steps = Float32Array.from({ length: 2 * 50 * 2 }, (_, i) => Math.sin(i / 7));
    const traj = PNG.sync.read(
      trajectoryPlot(steps, 2, { labels: ['a', 'b'], normalization: { mean: [0, 0], std: [1, 1] } }),
    );
    expect(traj.width).toBeGreaterThan(800);
    expect(blue(traj)).toBeGreaterThan(50);
  });
});
