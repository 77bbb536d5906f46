/**
 * Maze2D env on MuJoCo 3.5.1 against docs/maze2d.md. Golden vectors: §5.5, "MuJoCo 3.5.1 (margin 0.004)" column,
 * printed there with 5 decimals; we require |ours − reference| ≤ 1e-5 (rounding alone accounts for 5e-6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeCells, type MazeName } from '../../../sim/maze2d/layouts.js';
import { createMazeEnv, GOAL_RADIUS, MAX_STEP_SPEED, type MazeEnv } from '../../../sim/maze2d/maze-env.js';
import { InputError } from '../../../src/errors.js';
import { createRng } from '../../../src/math/rng.js';
import { makeMaze } from '../../helpers/make-maze.js';

const GOLDEN_TOL = 1e-5;

const envs: MazeEnv[] = [];
async function open(task = 'maze2d-umaze', options: { randomGoal?: boolean } = {}): Promise<MazeEnv> {
  const env = await makeMaze(task, options);
  envs.push(env);
  return env;
}
afterAll(() => {
  for (const env of envs) env.close();
});

/** Runs `steps` env steps with a constant action from an exact start; returns the last observation. */
function hold(env: MazeEnv, start: number[], action: number[], steps: number): Float64Array {
  let obs = env.reset(0, { start }).observation;
  for (let t = 0; t < steps; t++) obs = env.step(action).observation;
  return obs;
}

function expectNear(actual: ArrayLike<number>, expected: number[], tol = GOLDEN_TOL): void {
  expect(actual.length).toBeGreaterThanOrEqual(expected.length);
  expected.forEach((e, k) => {
    expect(Math.abs(actual[k]! - e), `component ${k}: ${actual[k]} vs ${e}`).toBeLessThanOrEqual(tol);
  });
}

describe('golden vectors, docs/maze2d.md §5.5 (MuJoCo 3.5.1, umaze)', () => {
  let env: MazeEnv;
  beforeAll(async () => {
    env = await open('maze2d-umaze');
    expect(env.engineVersion).toBe('3.5.1');
  });

  it('F1: free space, from rest, u = (1, 0), one step', () => {
    const obs = hold(env, [2, 3], [1, 0], 1);
    expectNear(obs, [2 + 0.00238164, 3, 0.23816384, 0], 1e-8);
  });

  it('G1: qpos (3, 1), qvel (−5, 0), u = 0: impact and rebound', () => {
    const expected: Record<number, [number, number]> = {
      12: [2.40921, -4.85896],
      13: [2.36073, -4.84739],
      14: [2.37141, 1.06811],
      30: [2.53889, 1.02813],
    };
    const r0 = env.reset(0, { start: [3, 1, -5, 0] });
    expect(Array.from(r0.observation)).toEqual([3, 1, -5, 0]);
    for (let t = 1; t <= 30; t++) {
      const { observation } = env.step([0, 0]);
      const e = expected[t];
      if (e) expectNear([observation[0]!, observation[2]!], e);
      expect(observation[1]).toBe(1);
      expect(observation[3]).toBe(0);
    }
  });

  it('G2: qpos (3, 1), u = (−1, 0), 300 steps rests against the wall at x = 2.40337', () => {
    expectNear(hold(env, [3, 1], [-1, 0], 300), [2.40337, 1, 0, 0]);
  });

  it('G3/G4: pushed into the umaze corners, the ball rests at 0.40337 / 3.19663 (§2.2: 0.4034 / 3.1966)', () => {
    expectNear(hold(env, [1, 1], [-1, -1], 300), [0.40337, 0.40337, 0, 0]);
    expectNear(hold(env, [3, 3], [1, 1], 300), [3.19663, 3.19663, 0, 0]);
  });

  it('G5: qpos (2.9, 1.5), u = (−1, 1), 60 steps: sliding round the inner corner', () => {
    expectNear(hold(env, [2.9, 1.5], [-1, 1], 60), [1.26431, 3.19693, -5.22626, -0.01512]);
  });
});

describe('velocity limits', () => {
  it('saturates at 5.2262556 per axis under full throttle (clip to ±5 before each step)', async () => {
    expect(MAX_STEP_SPEED).toBeCloseTo(5.2262556, 7);
    const env = await open('maze2d-large');
    // Row 1, columns 6–10 and column 10, rows 1–5 of the large maze are straight corridors.
    const along = hold(env, [1, 6], [0, 1], 40);
    expect(along[3]).toBeCloseTo(5.2262556, 7);
    expect(along[1]).toBeLessThan(9);
    const down = hold(env, [1, 10], [1, 0], 40);
    expect(down[2]).toBeCloseTo(5.2262556, 7);
    expect(down[0]).toBeLessThan(4.5);
  });

  it('clips the incoming velocity to ±5 before stepping', async () => {
    const env = await open('maze2d-umaze');
    const obs = hold(env, [3, 2, 0, 20], [0, 0], 1);
    expect(obs[3]).toBeCloseTo(5 * 0.99761836, 7);
    expect(obs[1]).toBeCloseTo(2 + 0.01 * 5 * 0.99761836, 9);
  });

  it('clips actions to [−1, 1]', async () => {
    const env = await open('maze2d-umaze');
    const big = hold(env, [2, 3], [5, -7], 10);
    const unit = hold(env, [2, 3], [1, -1], 10);
    expect(Array.from(big)).toEqual(Array.from(unit));
  });
});

describe.each([
  ['maze2d-umaze', 'umaze', 300],
  ['maze2d-medium', 'medium', 600],
  ['maze2d-large', 'large', 800],
] as const)('%s', (task, maze, episodeLength) => {
  let env: MazeEnv;
  beforeAll(async () => {
    env = await open(task);
  });

  it(`exposes maze ${maze}, goal at the G cell, walls in the qpos frame`, () => {
    expect(env.id).toBe(task);
    expect(env.maze).toBe(maze);
    expect(env.episodeLength).toBe(episodeLength);
    expect(env.dt).toBe(0.01);
    const g = { umaze: [1, 1], medium: [6, 6], large: [7, 9] }[maze];
    const r = env.reset(3);
    expect(r.info.goal).toEqual(g);
    expect(env.goal).toEqual(g);
    expect(env.walls.length).toBeGreaterThan(0);
    expect(env.walls[0]).toMatchObject({ cell: [0, 0], xMin: -0.7, yMin: -0.7 });
    expect(env.tokenFields.map((f) => [f.name, f.kind, f.size])).toEqual([
      ['action', 'action', 2],
      ['reward', 'reward', 1],
      ['observation', 'observation', 4],
    ]);
    expect(env.tokenFields[2]!.labels).toEqual(['x', 'y', 'vx', 'vy']);
  });

  it(`truncates after exactly ${episodeLength} steps and refuses further steps`, () => {
    env.reset(1);
    for (let t = 1; t < episodeLength; t++) {
      const r = env.step([0, 0]);
      expect(r.truncated).toBe(false);
      expect(r.terminated).toBe(false);
    }
    const last = env.step([0, 0]);
    expect(last.truncated).toBe(true);
    expect(last.info.t).toBe(episodeLength);
    expect(() => env.step([0, 0])).toThrow(InputError);
    expect(() => env.step([0, 0])).toThrow(/ended at t = \d+.*call reset/);
    expect(env.reset(2).info.t).toBe(0);
    expect(env.step([0, 0]).truncated).toBe(false);
  });

  it('resets uniformly over free cells (incl. G) + U(−0.1, 0.1), qvel ~ N(0, 0.1²)', () => {
    const cells = freeCells(maze as MazeName);
    const counts = new Map(cells.map(([i, j]) => [`${i},${j}`, 0]));
    const n = 40 * cells.length;
    const velocities: number[] = [];
    let maxJitter = 0;
    for (let seed = 0; seed < n; seed++) {
      const obs = env.reset(seed).observation;
      const i = Math.round(obs[0]!);
      const j = Math.round(obs[1]!);
      const key = `${i},${j}`;
      expect(counts.has(key), `reset at (${obs[0]}, ${obs[1]}) rounds to non-free cell ${key}`).toBe(true);
      counts.set(key, counts.get(key)! + 1);
      const jitter = Math.max(Math.abs(obs[0]! - i), Math.abs(obs[1]! - j));
      expect(jitter).toBeLessThanOrEqual(0.1);
      maxJitter = Math.max(maxJitter, jitter);
      velocities.push(obs[2]!, obs[3]!);
    }
    expect(maxJitter).toBeGreaterThan(0.09);
    // Every free cell is reachable, each near n / cells (binomial; 5σ band).
    const mean = n / cells.length;
    const sigma = Math.sqrt(mean * (1 - 1 / cells.length));
    for (const [key, c] of counts) {
      expect(c, `cell ${key}`).toBeGreaterThan(0);
      expect(Math.abs(c - mean), `cell ${key}: ${c} resets`).toBeLessThan(5 * sigma);
    }
    const vMean = velocities.reduce((a, b) => a + b, 0) / velocities.length;
    const vStd = Math.sqrt(velocities.reduce((a, b) => a + (b - vMean) ** 2, 0) / velocities.length);
    expect(Math.abs(vMean)).toBeLessThan(0.01);
    expect(vStd).toBeGreaterThan(0.09);
    expect(vStd).toBeLessThan(0.11);
  });

  it('keeps observations inside the observation space and speeds ≤ 5.2262556 under random actions', () => {
    const rng = createRng(7);
    env.reset(11);
    const { low, high } = env.observationSpace;
    for (let t = 0; t < episodeLength; t++) {
      const { observation } = env.step([2 * rng.uniform() - 1, 2 * rng.uniform() - 1]);
      for (let k = 0; k < 4; k++) {
        expect(observation[k]).toBeGreaterThanOrEqual(low[k]!);
        expect(observation[k]).toBeLessThanOrEqual(high[k]!);
      }
    }
    expect(high[2]).toBe(MAX_STEP_SPEED);
  });
});

describe('reward and goals', () => {
  let env: MazeEnv;
  beforeAll(async () => {
    env = await open('maze2d-umaze');
  });

  it('pays 1 exactly when the post-step position is within 0.5 of the goal (≤, inclusive)', () => {
    // At rest in free space with u = 0 the ball does not move, so the distance stays what we set.
    env.reset(0, { start: [1, 1 + GOAL_RADIUS] });
    const edge = env.step([0, 0]);
    expect(edge.observation[1]).toBe(1.5);
    expect(edge.reward).toBe(1);
    expect(edge.info.success).toBe(true);
    env.reset(0, { start: [1, 1.5000001] });
    const outside = env.step([0, 0]);
    expect(outside.reward).toBe(0);
    expect(outside.info.success).toBe(false);
  });

  it('computes the reward from the post-step observation along a rollout', () => {
    const rng = createRng(5);
    let obs = env.reset(4, { start: [1, 3] }).observation;
    let total = 0;
    for (let t = 0; t < 300; t++) {
      // A noisy PD pull toward the goal along the top corridor, so both reward values occur.
      const ux = 10 * (1 - obs[0]!) - obs[2]! + rng.normal();
      const uy = 10 * (1 - obs[1]!) - obs[3]! + rng.normal();
      const r = env.step([ux, uy]);
      obs = r.observation;
      const d = Math.hypot(r.observation[0]! - 1, r.observation[1]! - 1);
      expect(r.reward).toBe(d <= 0.5 ? 1 : 0);
      total += r.reward;
    }
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(300);
  });

  it('draws a random goal per reset with randomGoal (Multi2D) near a free cell', async () => {
    const multi = await open('maze2d-medium', { randomGoal: true });
    const cells = new Set(freeCells('medium').map(([i, j]) => `${i},${j}`));
    const goals = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const g = multi.reset(seed).info.goal!;
      expect(cells.has(`${Math.round(g[0]!)},${Math.round(g[1]!)}`)).toBe(true);
      expect(Math.abs(g[0]! - Math.round(g[0]!))).toBeLessThanOrEqual(0.1);
      goals.add(`${Math.round(g[0]!)},${Math.round(g[1]!)}`);
      expect(multi.goal).toBe(g);
    }
    expect(goals.size).toBe(cells.size);
    // The per-reset override and an explicit goal.
    expect(multi.reset(0, { randomGoal: false }).info.goal).toEqual([6, 6]);
    expect(multi.reset(0, { goal: [2, 3] }).info.goal).toEqual([2, 3]);
    expect(env.reset(0, { randomGoal: true }).info.goal).not.toEqual([1, 1]);
  });

  it('reports goal and t in info', () => {
    const r = env.reset(9, { goal: [3, 3] });
    expect(r.info).toMatchObject({ goal: [3, 3], t: 0 });
    expect(env.step([0, 0]).info.t).toBe(1);
    expect(env.step([0, 0]).info.t).toBe(2);
  });
});

describe('determinism', () => {
  it('gives identical episodes for a seed, across resets and env instances', async () => {
    const a = await open('maze2d-medium');
    const b = await open('maze2d-medium');
    const rollout = (env: MazeEnv, seed: number): number[] => {
      const rng = createRng(100);
      const out = Array.from(env.reset(seed).observation);
      for (let t = 0; t < 200; t++)
        out.push(...env.step([2 * rng.uniform() - 1, 2 * rng.uniform() - 1]).observation);
      return out;
    };
    const first = rollout(a, 42);
    expect(rollout(a, 42)).toEqual(first);
    expect(rollout(b, 42)).toEqual(first);
    expect(rollout(a, 43)).not.toEqual(first);
  });
});

describe('bad input', () => {
  let env: MazeEnv;
  beforeAll(async () => {
    env = await open('maze2d-umaze');
  });

  it('rejects an unknown task, listing the valid ones', async () => {
    await expect(createMazeEnv('maze2d-huge')).rejects.toThrow(InputError);
    await expect(createMazeEnv('maze2d-huge')).rejects.toThrow(/maze2d-umaze, maze2d-medium, maze2d-large/);
  });

  it('rejects step() before reset()', async () => {
    const fresh = await open('maze2d-umaze');
    expect(() => fresh.step([0, 0])).toThrow(/before reset/);
  });

  it('rejects wrong-length and non-finite actions, naming the value and the shape', () => {
    env.reset(0);
    expect(() => env.step([1, 0, 0])).toThrow(InputError);
    expect(() => env.step([1, 0, 0])).toThrow(/2 components.*\[1, 0, 0\] \(length 3\)/);
    expect(() => env.step([])).toThrow(/length 0/);
    expect(() => env.step([Number.NaN, 0])).toThrow(/finite.*\[NaN, 0\]/);
    expect(() => env.step(Float64Array.of(0, Number.POSITIVE_INFINITY))).toThrow(/\[0, Infinity\]/);
    expect(() => env.step(null as unknown as number[])).toThrow(InputError);
    // A rejected action leaves the episode untouched.
    expect(env.step([0, 0]).info.t).toBe(1);
  });

  it('rejects bad seeds, starts and goals', () => {
    expect(() => env.reset(1.5)).toThrow(/seed.*1.5/);
    expect(() => env.reset(0, { start: [1] })).toThrow(/\[x, y\] or \[x, y, vx, vy\]/);
    expect(() => env.reset(0, { start: [1, Number.NaN] })).toThrow(InputError);
    expect(() => env.reset(0, { start: [2, 1] })).toThrow(/inside the wall at cell \(2, 1\)/);
    expect(() => env.reset(0, { start: [-3, 1] })).toThrow(InputError);
    expect(() => env.reset(0, { goal: [1, 2, 3] })).toThrow(/goal must be 2 finite numbers/);
  });

  it('refuses use after close', async () => {
    const closing = await makeMaze('maze2d-umaze');
    closing.reset(0);
    closing.close();
    closing.close();
    expect(() => closing.step([0, 0])).toThrow(/closed/);
    expect(() => closing.reset(0)).toThrow(/closed/);
  });
});
