import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks } from '../../src/train/line-plot.js';
import { lossEma, lossPlot } from '../../src/train/loss-plot.js';
import { Raster } from '../../src/train/raster.js';
import { trajectoryPlot } from '../../src/train/trajectory-plot.js';

describe('plots', () => {
  it('picks 1-2-5 ticks and short labels', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-0.9, 0.9)).toEqual([-0.5, 0, 0.5]);
    expect(niceTicks(0.37, 4.2)).toEqual([1, 2, 3, 4]);
    expect(formatTick(20000)).toBe('20000');
    expect(formatTick(0.00012)).toBe('1.2e-4');
    expect(formatTick(0.631)).toBe('0.631');
  });

  it('draws lines pixel-exactly and encodes a PNG with pngjs', () => {
    const r = new Raster(10, 6);
    r.line(0, 0, 9, 5, [255, 0, 0]);
    expect(r.getPixel(0, 0)).toEqual([255, 0, 0]);
    expect(r.getPixel(9, 5)).toEqual([255, 0, 0]);
    expect(r.getPixel(9, 0)).toEqual([255, 255, 255]);
    r.line(0, 0, Number.NaN, 3, [0, 0, 255]); // gaps in data are skipped, not drawn
    const png = PNG.sync.read(r.toPng());
    expect([png.width, png.height]).toEqual([10, 6]);
    expect(Array.from(png.data.subarray(0, 4))).toEqual([255, 0, 0, 255]);
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
