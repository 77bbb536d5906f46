/**
 * A maze picture explains itself: a title line, each panel's label (episode, score) in its bar, and a key of
 * exactly the colours the picture uses, under the panels.
 */
import { describe, expect, it } from 'vitest';
import { MAZE_COLORS, renderMazeEpisodes } from '../../../sim/render/maze-picture.js';
import type { Raster, Rgb } from '../../../src/render/index.js';

const line = (x: number, n = 20) => Array.from({ length: n + 1 }, (_, k) => [x, 1 + (2 * k) / n]).flat();
const reached = { trajectory: line(3), goal: [1, 1], success: true, label: 'ep 0 score 147.0' };
const missed = { trajectory: line(2.9), goal: [1, 1], success: false, label: 'ep 1 score 3.5' };

/** Pixels of `color` in rows [y0, y1) of the raster. */
function count(r: Raster, color: Rgb, y0: number, y1: number): number {
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(r.height, y1); y++)
    for (let x = 0; x < r.width; x++) {
      const p = r.pixel(x, y);
      if (p[0] === color[0] && p[1] === color[1] && p[2] === color[2]) n++;
    }
  return n;
}

describe('maze picture legend', () => {
  const bare = renderMazeEpisodes('umaze', [reached, missed], { legend: false });
  const full = renderMazeEpisodes('umaze', [reached, missed], { title: 'maze2d-umaze, planner: score 75.3' });
  const panelBottom = (p: ReturnType<typeof renderMazeEpisodes>) =>
    Math.max(...p.frames.map((f) => f.originY + 5 * 40));

  it('adds a title above and a key below the panels', () => {
    expect(full.raster.height).toBeGreaterThan(bare.raster.height);
    expect(full.frames[0]!.originY).toBeGreaterThan(bare.frames[0]!.originY);
    // The key repeats the colours under the panels: wall, goal, start, path, reached and missed bars.
    const below = panelBottom(full);
    for (const c of [
      MAZE_COLORS.wall,
      MAZE_COLORS.start,
      MAZE_COLORS.trajectory,
      MAZE_COLORS.success,
      MAZE_COLORS.failure,
    ])
      expect(count(full.raster, c, below, full.raster.height), String(c)).toBeGreaterThan(0);
    expect(count(bare.raster, MAZE_COLORS.wall, panelBottom(bare), bare.raster.height)).toBe(0);
  });

  it('writes each panel label in white on its bar', () => {
    for (const f of full.frames) {
      const barTop = f.originY - 12;
      expect(count(full.raster, [255, 255, 255], barTop, f.originY)).toBeGreaterThan(20);
    }
  });

  it('lists only what is drawn: no plans, no plan key; only successes, no red key', () => {
    const only = renderMazeEpisodes('umaze', [reached]);
    const below = panelBottom(only);
    expect(count(only.raster, MAZE_COLORS.failure, below, only.raster.height)).toBe(0);
    expect(count(only.raster, MAZE_COLORS.success, below, only.raster.height)).toBeGreaterThan(0);
    const withPlans = renderMazeEpisodes('umaze', [{ ...reached, plans: [line(2.8, 4)] }]);
    expect(withPlans.raster.height).toBeGreaterThanOrEqual(only.raster.height);
  });
});
