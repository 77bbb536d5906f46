import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expertPolicy, roundHalfEven, WaypointExpert } from '../../../sim/maze2d/expert.js';
import { type Cell, freeCells, goalCell, MAZE_LAYOUTS, type MazeName } from '../../../sim/maze2d/layouts.js';
import type { MazeEnv } from '../../../sim/maze2d/maze-env.js';
import { GRID_MOVES, qIteration } from '../../../sim/maze2d/q-iteration.js';
import { createRng } from '../../../src/math/rng.js';
import { makeMaze } from '../../helpers/make-maze.js';

const MAZES: MazeName[] = ['umaze', 'medium', 'large'];

/** Independent BFS distances (4-connected over free cells) to `target`. */
function bfsDistances(maze: MazeName, target: Cell): Map<string, number> {
  const layout = MAZE_LAYOUTS[maze];
  const free = (i: number, j: number) => layout[i]?.[j] !== undefined && layout[i]![j] !== '#';
  const dist = new Map<string, number>([[`${target[0]},${target[1]}`, 0]]);
  const queue: Cell[] = [target];
  while (queue.length > 0) {
    const [i, j] = queue.shift()!;
    const d = dist.get(`${i},${j}`)!;
    for (const [di, dj] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ] as const) {
      const key = `${i + di},${j + dj}`;
      if (free(i + di, j + dj) && !dist.has(key)) {
        dist.set(key, d + 1);
        queue.push([i + di, j + dj]);
      }
    }
  }
  return dist;
}

describe('Q-iteration (docs/maze2d.md §9.1)', () => {
  it('the greedy path is a shortest path for every start/target pair, ties to the lowest action index', () => {
    for (const maze of MAZES) {
      const cells = freeCells(maze);
      for (const target of cells) {
        const q = qIteration(maze, target);
        const dist = bfsDistances(maze, target);
        for (const start of cells) {
          let cell: Cell = start;
          let steps = 0;
          while (cell[0] !== target[0] || cell[1] !== target[1]) {
            const d = dist.get(`${cell[0]},${cell[1]}`)!;
            const a = q.greedyAction(cell);
            const next = q.next(cell, a);
            expect(dist.get(`${next[0]},${next[1]}`)).toBe(d - 1);
            // No lower-index move is also optimal (numpy argmax takes the first maximum).
            for (let b = 0; b < a; b++) {
              const [di, dj] = GRID_MOVES[b]!;
              expect(dist.get(`${cell[0] + di},${cell[1] + dj}`)).not.toBe(d - 1);
            }
            cell = next;
            steps += 1;
          }
          expect(steps).toBe(dist.get(`${start[0]},${start[1]}`));
        }
      }
    }
  });

  it('NOOP is greedy on the target cell, and moves into walls stay put', () => {
    const q = qIteration('umaze', [1, 1]);
    expect(q.greedyAction([1, 1])).toBe(0);
    expect(q.next([1, 1], 1)).toEqual([1, 1]); // UP = (0, −1) into the wall at (1, 0)
    expect(q.next([1, 1], 2)).toEqual([1, 2]);
  });
});

describe('roundHalfEven (Python round)', () => {
  it('rounds halves to even and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.49, 2.51, 3].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3, 3]);
  });
});

describe('WaypointExpert', () => {
  it('umaze from (3, 1): the U-shaped route, jittered by −U(0,1)·0.2 per axis, the last waypoint exact', () => {
    const expert = new WaypointExpert('umaze', createRng(3));
    expert.act([3.05, 0.97], [0, 0], [1, 1]);
    const wps = expert.waypoints;
    const cells = [
      [3, 2],
      [3, 3],
      [2, 3],
      [1, 3],
      [1, 2],
      [1, 1],
    ];
    expect(wps.length).toBe(cells.length);
    wps.slice(0, -1).forEach(([x, y], k) => {
      const [i, j] = cells[k]!;
      expect(x).toBeGreaterThanOrEqual(i! - 0.2);
      expect(x).toBeLessThanOrEqual(i!);
      expect(y).toBeGreaterThanOrEqual(j! - 0.2);
      expect(y).toBeLessThanOrEqual(j!);
    });
    expect(wps.at(-1)).toEqual([1, 1]);
  });

  it('applies a = clip(10·(waypoint − loc) − vel, ±1)', () => {
    const expert = new WaypointExpert('umaze', createRng(4));
    const { action, solved } = expert.act([3.0, 1.9], [0.3, -0.2], [1, 1]);
    const [wx, wy] = expert.waypoints[0]!; // (3, 2) − jitter
    expect(solved).toBe(false);
    expect(action[0]).toBeCloseTo(Math.max(-1, Math.min(1, 10 * (wx - 3.0) - 0.3)), 12);
    expect(action[1]).toBeCloseTo(Math.max(-1, Math.min(1, 10 * (wy - 1.9) + 0.2)), 12);
  });

  it('solved needs the target cell within 0.1 and a per-step displacement below 0.1', () => {
    const expert = new WaypointExpert('umaze', createRng(5));
    // prev_loc starts at the integer start cell (1, 1): displacement 0.05, distance 0.05 → solved.
    expect(expert.act([1.05, 1.0], [0, 0], [1.04, 0.96]).solved).toBe(true);
    expect(expert.act([1.12, 1.0], [0, 0], [1.04, 0.96]).solved).toBe(false); // 0.12 from the target
    expect(expert.act([1.05, 1.03], [0, 0], [1.04, 0.96]).solved).toBe(true);
    expect(expert.act([1.0, 0.94], [0, 0], [1.04, 0.96]).solved).toBe(false); // moved 0.103 in one step
  });

  it('plans again when the goal moves to another cell, not when it moves within the cell', () => {
    const expert = new WaypointExpert('medium', createRng(6));
    expert.act([1, 1], [0, 0], [6, 6]);
    const first = expert.waypoints;
    expert.act([1, 1], [0, 0], [6.08, 5.93]);
    expect(expert.waypoints).toEqual(first);
    expert.act([1, 1], [0, 0], [1, 2]);
    expect(expert.waypoints).toEqual([[1, 2]]);
  });
});

describe('expert in the MuJoCo env', () => {
  let env: MazeEnv;
  beforeAll(async () => {
    env = await makeMaze('maze2d-large');
  });
  afterAll(() => env.close());

  it('reaches and holds the goal from every free cell of the large maze', () => {
    const goal = goalCell('large');
    const dist = bfsDistances('large', goal);
    for (const cell of freeCells('large')) {
      const policy = expertPolicy('large', { rng: createRng(cell[0] * 100 + cell[1]) });
      let { observation: obs, info } = env.reset(0, { start: [cell[0], cell[1]] });
      policy.reset(obs, info);
      let firstInside = -1;
      let insideAtEnd = 0;
      for (let t = 0; t < env.episodeLength; t++) {
        const r = env.step(policy.act(obs, info));
        obs = r.observation;
        info = r.info;
        if (r.reward > 0 && firstInside < 0) firstInside = t + 1;
        if (t >= env.episodeLength - 100) insideAtEnd += r.reward;
      }
      expect(firstInside).toBeGreaterThan(0);
      // About 20–25 steps per cell on straight runs; 40 per cell leaves room for corners.
      expect(firstInside).toBeLessThanOrEqual(40 * dist.get(`${cell[0]},${cell[1]}`)! + 10);
      expect(insideAtEnd).toBe(100);
    }
  });
});
