/**
 * MPC plan overlays (`EpisodeDrawing.plans`): every tick's plan as a faint thin line under the executed path,
 * with a dot where it was made. Pixels are read back from the decoded PNG in the documented frame
 * (horizontal = qpos y, vertical = qpos x, panel edge at −0.7).
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { MAZE_COLORS, mazePicturePng, renderMazeEpisodes } from '../../../sim/render/maze-picture.js';

const S = 40;

const straight = (x0: number, y0: number, x1: number, y1: number, n = 10): number[] =>
  Array.from({ length: n + 1 }, (_, k) => [x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]).flat();

function picture(plans: number[][], trajectory = straight(3.0, 1.0, 3.0, 3.0)) {
  const episode = { trajectory, goal: [1, 1], plans };
  const png = PNG.sync.read(mazePicturePng('umaze', [episode], { pixelsPerUnit: S }));
  const frame = renderMazeEpisodes('umaze', [episode], { pixelsPerUnit: S }).frames[0]!;
  return (x: number, y: number): number[] => {
    const px = Math.floor(frame.originX + (y + 0.7) * S);
    const py = Math.floor(frame.originY + (x + 0.7) * S);
    const k = (py * png.width + px) * 4;
    return [png.data[k]!, png.data[k + 1]!, png.data[k + 2]!];
  };
}

/** Distance of a pixel's colour from the corridor colour (0 = untouched). */
const tint = (c: number[]) => c.reduce((s, v, i) => s + Math.abs(v - MAZE_COLORS.corridor[i]!), 0);

describe('maze picture: plan overlays', () => {
  // A plan made at (3, 3) heading up the right corridor: x from 3 to 1 along y = Y, the centre of the pixel
  // column that qpos y = 3 falls in (so the thin anti-aliased line covers the sampled pixel fully).
  const Y = 3 + 0.5 / S;
  const upRight = straight(3.0, Y, 1.0, Y);

  it('draws a plan as a faint purple line in the corridor and leaves the rest of the corridor alone', () => {
    const at = picture([upRight]);
    const [r = 0, g = 0, b = 0] = at(2.0, 3.0);
    expect(tint([r, g, b])).toBeGreaterThan(30);
    // Purple: red and blue above green, and faint: far from the solid plan colour.
    expect(b).toBeGreaterThan(g + 20);
    expect(r).toBeGreaterThan(g + 10);
    expect(g).toBeGreaterThan(MAZE_COLORS.plan[1] + 60);
    expect(at(2.0, 2.6)).toEqual([...MAZE_COLORS.corridor]);
    expect(at(1.0, 1.9)).toEqual([...MAZE_COLORS.corridor]);
  });

  it('deepens where plans overlap, and a picture without plans has none of it', () => {
    const one = picture([upRight])(2.0, 3.0);
    const three = picture([upRight, upRight, upRight])(2.0, 3.0);
    expect(tint(three)).toBeGreaterThan(tint(one) + 20);
    expect(picture([])(2.0, 3.0)).toEqual([...MAZE_COLORS.corridor]);
  });

  it('marks where each plan was made, and keeps the executed path on top', () => {
    // A plan made at (1, 2.5): its start dot sits in the top corridor, away from any line.
    const at = picture([straight(1.0, 2.5, 1.0, 2.5, 1)]);
    expect(tint(at(1.0, 2.5))).toBeGreaterThan(tint(at(1.0, 2.2)) + 30);
    // A plan along the executed path (x = 3): the path's orange still dominates there.
    const onPath = picture([straight(3.0, 1.0, 3.0, 3.0)]);
    const [r = 0, g = 0, b = 0] = onPath(3.0, 2.0);
    expect(r).toBeGreaterThan(200);
    expect(b).toBeLessThan(80);
    expect(g).toBeLessThan(130);
  });

  it('fades each plan when an episode has many, and keeps the goal marker on top of them', () => {
    const elsewhere = straight(3.0, 1.0 + 0.5 / S, 3.0, 2.0 + 0.5 / S);
    const many = [upRight, ...Array.from({ length: 39 }, () => elsewhere)];
    expect(tint(picture(many)(2.0, 3.0))).toBeLessThan(tint(picture([upRight])(2.0, 3.0)) - 10);
    // Forty plans ending on the goal (1, 1): its dot keeps the goal colour.
    const intoGoal = Array.from({ length: 40 }, (_, k) => straight(1.0, 2.5 - k * 0.01, 1.0, 1.0));
    expect(picture(intoGoal)(1.0, 1.0)).toEqual([...MAZE_COLORS.goal]);
  });
});
