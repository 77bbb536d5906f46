import { describe, expect, it } from 'vitest';
import { Raster } from '../../../sim/render/raster.js';

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

  it('refuses a degenerate size', () => {
    expect(() => new Raster(0, 5)).toThrow(/raster size must be whole numbers ≥ 1, got 0 × 5/);
  });
});
