import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { MAZE_COLORS, mazePicturePng, renderMazeEpisodes } from '../../../sim/render/maze-picture.js';

const S = 40;

/** Decodes the PNG and reads the pixel under qpos (x, y) of a panel, using the documented frame
 *  (horizontal = qpos y, vertical = qpos x downwards, panel edge at −0.7 on both axes). */
function pixelAt(png: PNG, origin: { originX: number; originY: number }, x: number, y: number): number[] {
  const px = Math.floor(origin.originX + (y + 0.7) * S);
  const py = Math.floor(origin.originY + (x + 0.7) * S);
  const k = (py * png.width + px) * 4;
  return [png.data[k]!, png.data[k + 1]!, png.data[k + 2]!];
}

const straight = (x: number, y0: number, y1: number, n = 20): number[] =>
  Array.from({ length: n + 1 }, (_, k) => [x, y0 + ((y1 - y0) * k) / n]).flat();

describe('maze picture (umaze, decoded with pngjs)', () => {
  const episode = {
    trajectory: straight(3.0, 1.0, 3.0),
    goal: [1, 1],
    success: true,
    plan: straight(2.7, 3.0, 1.2, 4),
  };
  const png = PNG.sync.read(mazePicturePng('umaze', [episode], { pixelsPerUnit: S }));
  const frame = renderMazeEpisodes('umaze', [episode], { pixelsPerUnit: S }).frames[0]!;
  const at = (x: number, y: number) => pixelAt(png, frame, x, y);

  it('draws the wall cell (2, 1) centred at qpos (1.8, 0.8) and the corridor centre of cell (3, 2) at (2.8, 1.8)', () => {
    expect(at(1.8, 0.8)).toEqual([...MAZE_COLORS.wall]);
    expect(at(2.8, 1.8)).toEqual([...MAZE_COLORS.corridor]);
  });

  it('puts wall edges where the physics has them: [i−0.7, i+0.3], not [i−0.5, i+0.5]', () => {
    // Wall (2, 2) spans x ∈ [1.3, 2.3]; the free cell (1, 2) above it ends at 1.3.
    expect(at(1.35, 2.0)).toEqual([...MAZE_COLORS.wall]);
    expect(at(1.25, 2.0)).toEqual([...MAZE_COLORS.corridor]);
    // Wall (2, 2) spans y ∈ [1.3, 2.3]; the free cell (2, 3) starts at y = 2.3.
    expect(at(1.8, 2.25)).toEqual([...MAZE_COLORS.wall]);
    expect(at(1.8, 2.35)).toEqual([...MAZE_COLORS.corridor]);
    // The outer ring: row 4 is wall from x = 3.3 on.
    expect(at(3.25, 2.0)).toEqual([...MAZE_COLORS.corridor]);
    expect(at(3.35, 2.0)).toEqual([...MAZE_COLORS.wall]);
  });

  it('tints the 0.5 success disc around the goal and leaves the corridor outside it untouched', () => {
    const [r = 0, g = 0, b = 0] = at(1.0, 1.4);
    expect(g).toBeGreaterThan(r + 20);
    expect(g).toBeGreaterThan(b + 20);
    expect(at(1.0, 1.6)).toEqual([...MAZE_COLORS.corridor]);
  });

  it('draws the trajectory, the start marker and the plan in their colours', () => {
    const [r = 0, g = 0, b = 0] = at(3.0, 2.0);
    expect(r).toBeGreaterThan(200);
    expect(b).toBeLessThan(60);
    expect(g).toBeLessThan(120);
    expect(at(3.0, 1.0)).toEqual([...MAZE_COLORS.start]);
    const [pr = 0, pg = 0, pb = 0] = at(2.7, 2.1);
    expect(pb).toBeGreaterThan(pg + 60);
    expect(pr).toBeGreaterThan(pg + 40);
  });

  it('colours the status bar green for a success and red for a failure', () => {
    const failed = PNG.sync.read(
      mazePicturePng('umaze', [{ ...episode, success: false }], { pixelsPerUnit: S }),
    );
    const bar = (img: PNG) => {
      const k = ((frame.originY - 3) * img.width + frame.originX + 50) * 4;
      return [img.data[k], img.data[k + 1], img.data[k + 2]];
    };
    expect(bar(png)).toEqual([...MAZE_COLORS.success]);
    expect(bar(failed)).toEqual([...MAZE_COLORS.failure]);
  });
});

describe('several episodes in one picture', () => {
  it('lays out a grid of non-overlapping panels inside the image', () => {
    const eps = Array.from({ length: 5 }, (_, k) => ({
      trajectory: straight(3.0, 1.0, 1 + k * 0.4),
      goal: [1, 1],
    }));
    const { raster, frames } = renderMazeEpisodes('large', eps, { pixelsPerUnit: 20 });
    expect(frames.length).toBe(5);
    const w = 12 * 20;
    const h = 9 * 20;
    for (const f of frames) {
      expect(f.originX + w).toBeLessThanOrEqual(raster.width);
      expect(f.originY + h).toBeLessThanOrEqual(raster.height);
    }
    for (let a = 0; a < frames.length; a++) {
      for (let b = a + 1; b < frames.length; b++) {
        const fa = frames[a]!;
        const fb = frames[b]!;
        const apart =
          fa.originX + w <= fb.originX ||
          fb.originX + w <= fa.originX ||
          fa.originY + h <= fb.originY ||
          fb.originY + h <= fa.originY;
        expect(apart).toBe(true);
      }
    }
  });

  it('overlays episodes in one panel with distinct colours', () => {
    const eps = [
      { trajectory: straight(3.0, 1.0, 3.0), goal: [1, 1] },
      { trajectory: straight(1.0, 1.5, 3.0), goal: [1, 1] },
    ];
    const { raster, frames } = renderMazeEpisodes('umaze', eps, { layout: 'overlay', pixelsPerUnit: S });
    expect(frames.length).toBe(1);
    const f = frames[0]!;
    const c1 = raster.pixel(Math.floor(f.originX + 2.7 * S), Math.floor(f.originY + 3.7 * S));
    const c2 = raster.pixel(Math.floor(f.originX + 2.7 * S), Math.floor(f.originY + 1.7 * S));
    expect(c1).not.toEqual(c2);
    expect(c1).not.toEqual([...MAZE_COLORS.corridor]);
    expect(c2).not.toEqual([...MAZE_COLORS.corridor]);
  });
});
