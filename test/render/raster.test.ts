import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { TEXT_HEIGHT, textWidth } from '../../src/render/bitmap-font.js';
import { encodePng } from '../../src/render/png.js';
import { Raster } from '../../src/render/raster.js';

describe('Raster', () => {
  it('fills rectangles on exact pixel edges', () => {
    const r = new Raster(10, 10, [0, 0, 0]);
    r.fillRect(2, 3, 5, 7, [255, 0, 0]);
    expect(r.pixel(2, 3)).toEqual([255, 0, 0]);
    expect(r.pixel(4, 6)).toEqual([255, 0, 0]);
    expect(r.pixel(1, 3)).toEqual([0, 0, 0]);
    expect(r.pixel(5, 3)).toEqual([0, 0, 0]);
    expect(r.pixel(2, 7)).toEqual([0, 0, 0]);
  });

  it('anti-aliases circle edges: full inside, partial on the rim, nothing outside', () => {
    const r = new Raster(21, 21, [0, 0, 0]);
    r.fillCircle(10.5, 10.5, 5, [200, 200, 200]);
    expect(r.pixel(10, 10)).toEqual([200, 200, 200]);
    expect(r.pixel(10, 2)).toEqual([0, 0, 0]);
    // The pixel centred 5 px from the centre sits on the rim: half covered.
    expect(r.pixel(15, 10)[0]).toBe(100);
  });

  it('blends a translucent polyline once, even where segments overlap at joints', () => {
    const r = new Raster(40, 20, [0, 0, 0]);
    r.strokePolyline([5, 10, 20, 10, 35, 10, 20, 10], 4, [200, 0, 0], 0.5);
    expect(r.pixel(20, 10)).toEqual([100, 0, 0]);
    expect(r.pixel(12, 10)).toEqual([100, 0, 0]);
    expect(r.pixel(12, 15)).toEqual([0, 0, 0]);
  });

  it('draws a line through pixel centres in full colour and skips segments with a non-finite end', () => {
    const r = new Raster(10, 6);
    r.line(0.5, 0.5, 9.5, 5.5, [255, 0, 0]);
    expect(r.pixel(0, 0)).toEqual([255, 0, 0]);
    expect(r.pixel(9, 5)).toEqual([255, 0, 0]);
    expect(r.pixel(9, 0)).toEqual([255, 255, 255]);
    // Gaps in data are skipped, not drawn.
    r.strokePolyline([0.5, 5.5, Number.NaN, 3, 9.5, 0.5], 1, [0, 0, 255]);
    r.line(0.5, 0.5, Number.POSITIVE_INFINITY, 3, [0, 0, 255]);
    let blue = 0;
    for (let i = 0; i < r.data.length; i += 4) if (r.data[i + 2]! > r.data[i]!) blue++;
    // Only the isolated finite points are drawn, as one-pixel dots: (0, 5), (9, 0) and (0, 0).
    expect(r.pixel(0, 5)).toEqual([0, 0, 255]);
    expect(r.pixel(9, 0)).toEqual([0, 0, 255]);
    expect(blue).toBe(3);
  });

  it('stays fast and bounded for a segment far outside the picture', () => {
    const r = new Raster(20, 20);
    r.line(-1e12, 10.5, 1e12, 10.5, [0, 0, 0]);
    expect(r.pixel(10, 10)).toEqual([0, 0, 0]);
    expect(r.pixel(10, 5)).toEqual([255, 255, 255]);
  });

  it('outlines a rectangle just inside its edges', () => {
    const r = new Raster(10, 10, [0, 0, 0]);
    r.strokeRect(2, 2, 8, 7, [9, 9, 9]);
    expect(r.pixel(2, 2)).toEqual([9, 9, 9]);
    expect(r.pixel(7, 6)).toEqual([9, 9, 9]);
    expect(r.pixel(4, 4)).toEqual([0, 0, 0]);
    expect(r.pixel(8, 4)).toEqual([0, 0, 0]);
  });

  it('writes bitmap text that fills exactly textWidth × TEXT_HEIGHT pixels', () => {
    const r = new Raster(40, 20, [255, 255, 255]);
    r.text(3, 4, 'H1', [0, 0, 0], 2);
    let x0 = 40;
    let x1 = -1;
    let y0 = 20;
    let y1 = -1;
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 40; x++) {
        if (r.pixel(x, y)[0] !== 0) continue;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    expect([x0, y0]).toEqual([3, 4]);
    expect(x1 - x0 + 1).toBe(textWidth('H1', 2));
    expect(y1 - y0 + 1).toBe(TEXT_HEIGHT * 2);
    // 'H' has a hole at the top of its middle column.
    expect(r.pixel(3 + 2, 4)).toEqual([255, 255, 255]);
  });

  it('encodes to a PNG that pngjs reads back', () => {
    const r = new Raster(10, 6);
    r.fillRect(0, 0, 1, 1, [255, 0, 0]);
    const png = PNG.sync.read(encodePng(r));
    expect([png.width, png.height]).toEqual([10, 6]);
    expect(Array.from(png.data.subarray(0, 4))).toEqual([255, 0, 0, 255]);
  });

  it('refuses a degenerate size', () => {
    expect(() => new Raster(0, 5)).toThrow(/raster size must be whole numbers ≥ 1, got 0 × 5/);
  });
});
