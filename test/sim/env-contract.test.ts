/**
 * The Env contract, run over every simulator behind sim/env.ts: every task of the registry with an env (the
 * three mazes and the fruit-swap arm; a task added to sim/task-registry.ts joins by itself). Uses only the
 * generic interface and the task's descriptor: nothing task-specific here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../sim/env.js';
import { getTask, TASKS } from '../../sim/task-registry.js';
import { InputError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/rng.js';

const IMPLEMENTATIONS: ReadonlyArray<readonly [name: string, make: () => Promise<Env>]> = TASKS.flatMap(
  (t) => (t.createEnv ? [[t.id, () => t.createEnv!({ logger: silentLogger })] as const] : []),
);

it('runs over the three mazes and the arm (every registry task with an env)', () => {
  expect(IMPLEMENTATIONS.map(([id]) => id)).toEqual([
    'maze2d-umaze',
    'maze2d-medium',
    'maze2d-large',
    'arm-swap',
  ]);
});

function randomAction(env: Env, rng: ReturnType<typeof createRng>): number[] {
  const { low, high } = env.actionSpace;
  return Array.from(low, (l, k) => l + (high[k]! - l) * rng.uniform());
}

function rollout(env: Env, seed: number, steps: number): number[][] {
  const rng = createRng(seed + 1000);
  const out = [Array.from(env.reset(seed).observation)];
  for (let t = 0; t < steps; t++) {
    const r = env.step(randomAction(env, rng));
    out.push([...r.observation, r.reward]);
  }
  return out;
}

describe.each(IMPLEMENTATIONS)('Env contract: %s', (name, make) => {
  let env: Env;
  const extra: Env[] = [];
  beforeAll(async () => {
    env = await make();
  });
  afterAll(() => {
    env.close();
    for (const e of extra) e.close();
  });

  it('describes itself: id, positive time limit and period, consistent spaces', () => {
    expect(env.id).toBe(name);
    expect(Number.isInteger(env.episodeLength) && env.episodeLength > 0).toBe(true);
    expect(env.dt).toBeGreaterThan(0);
    for (const space of [env.observationSpace, env.actionSpace]) {
      expect(space.low).toBeInstanceOf(Float64Array);
      expect(space.high.length).toBe(space.low.length);
      expect(space.labels.length).toBe(space.low.length);
      space.low.forEach((l, k) => {
        expect(l).toBeLessThan(space.high[k]!);
      });
    }
    // Actions must be bounded: the planner samples and clamps within them.
    expect([...env.actionSpace.low, ...env.actionSpace.high].every(Number.isFinite)).toBe(true);
  });

  it('is the task its registry entry describes: id, and the training layout per kind of field', () => {
    const task = getTask(name);
    expect(env.id).toBe(task.id);
    // Sizes per kind (the training layout may split the observation into named parts, as the maze's does).
    const sizes = (fields: readonly { kind: string; size: number }[]) =>
      ['action', 'reward', 'observation'].map((k) =>
        fields.filter((f) => f.kind === k).reduce((n, f) => n + f.size, 0),
      );
    expect(sizes(env.tokenFields)).toEqual(sizes(task.training.layout().fields));
  });

  it('lists token fields [action, reward?, observation…] matching the spaces', () => {
    const fields = env.tokenFields;
    expect(fields[0]!.kind).toBe('action');
    expect(fields[0]!.size).toBe(env.actionSpace.low.length);
    // The reward field is optional (pure imitation tasks have none); when present it is one scalar.
    const hasReward = fields[1]!.kind === 'reward';
    if (hasReward) expect(fields[1]!.size).toBe(1);
    expect(fields.filter((f) => f.kind === 'reward').length).toBe(hasReward ? 1 : 0);
    const obs = fields.slice(hasReward ? 2 : 1);
    expect(obs.length).toBeGreaterThan(0);
    expect(obs.every((f) => f.kind === 'observation')).toBe(true);
    expect(obs.reduce((n, f) => n + f.size, 0)).toBe(env.observationSpace.low.length);
    expect(obs.flatMap((f) => f.labels ?? [])).toEqual([...env.observationSpace.labels]);
    expect(new Set(fields.map((f) => f.name)).size).toBe(fields.length);
  });

  it('returns well-shaped, finite, in-bounds results from reset and step', () => {
    const { low, high } = env.observationSpace;
    const inBounds = (o: Float64Array) => {
      expect(o).toBeInstanceOf(Float64Array);
      expect(o.length).toBe(low.length);
      o.forEach((v, k) => {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(low[k]!);
        expect(v).toBeLessThanOrEqual(high[k]!);
      });
    };
    const rng = createRng(3);
    const r0 = env.reset(3);
    inBounds(r0.observation);
    expect(r0.info.t).toBe(0);
    for (let t = 1; t <= 50; t++) {
      const r = env.step(randomAction(env, rng));
      inBounds(r.observation);
      expect(Number.isFinite(r.reward)).toBe(true);
      expect(typeof r.truncated).toBe('boolean');
      expect(typeof r.terminated).toBe('boolean');
      expect(r.info.t).toBe(t);
    }
  });

  it('hands out observation copies: mutating one does not change the simulation', () => {
    const a = env.reset(5).observation;
    const saved = Array.from(a);
    a.fill(123);
    const again = env.reset(5).observation;
    expect(Array.from(again)).toEqual(saved);
    const s1 = env.step(randomAction(env, createRng(1)));
    const kept = Array.from(s1.observation);
    s1.observation.fill(-9);
    expect(Array.from(env.reset(5).observation)).toEqual(saved);
    expect(Array.from(env.step(randomAction(env, createRng(1))).observation)).toEqual(kept);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const first = rollout(env, 17, 100);
    expect(rollout(env, 17, 100)).toEqual(first);
    expect(rollout(env, 18, 100)).not.toEqual(first);
  });

  it('truncates at episodeLength, never earlier, then demands a reset', () => {
    const rng = createRng(9);
    env.reset(9);
    for (let t = 1; t <= env.episodeLength; t++) {
      const r = env.step(randomAction(env, rng));
      expect(r.truncated).toBe(t === env.episodeLength);
    }
    expect(() => env.step(randomAction(env, rng))).toThrow(InputError);
    env.reset(10);
    expect(env.step(randomAction(env, rng)).info.t).toBe(1);
  });

  it('forces each of its cases on reset, keeps other draws, and rejects unknown cases', () => {
    const cases = env.cases ?? [];
    for (const name of cases) {
      expect(env.reset(21, { case: name }).info['case']).toBe(name);
    }
    if (cases.length > 0) {
      const natural = env.reset(21);
      const forced = env.reset(21, { case: natural.info['case'] as string });
      expect(Array.from(forced.observation)).toEqual(Array.from(natural.observation));
      expect(() => env.reset(21, { case: 'no-such-case' })).toThrow(InputError);
    }
  });

  it('says at the end of an episode whether it succeeded, if it judges episodes at their end', () => {
    const rng = createRng(4);
    env.reset(4);
    let last = env.step(randomAction(env, rng));
    while (!last.truncated && !last.terminated) {
      expect(last.info.episodeSuccess).toBeUndefined();
      last = env.step(randomAction(env, rng));
    }
    const verdict = last.info.episodeSuccess;
    // A task scored on its final state sets a boolean on the final step (random play never swaps fruit); the
    // others (the maze: reached once, D4RL's return) never set it.
    if (getTask(name).scoring === 'final-state-success') expect(verdict).toBe(false);
    else expect(verdict).toBeUndefined();
  });

  it('rejects malformed actions with InputError', () => {
    env.reset(0);
    const n = env.actionSpace.low.length;
    expect(() => env.step(new Array(n + 1).fill(0))).toThrow(InputError);
    expect(() => env.step(new Array(Math.max(0, n - 1)).fill(0))).toThrow(InputError);
    expect(() => env.step(new Array(n).fill(Number.NaN))).toThrow(InputError);
    expect(() => env.step(new Array(n).fill(Number.NEGATIVE_INFINITY))).toThrow(InputError);
  });

  it('refuses step() before the first reset()', async () => {
    const fresh = await make();
    extra.push(fresh);
    expect(() => fresh.step(new Array(fresh.actionSpace.low.length).fill(0))).toThrow(InputError);
  });

  it('is unusable after close(), and close() is idempotent', async () => {
    const closing = await make();
    closing.reset(0);
    closing.close();
    expect(() => closing.close()).not.toThrow();
    expect(() => closing.reset(0)).toThrow();
    expect(() => closing.step(new Array(closing.actionSpace.low.length).fill(0))).toThrow();
  });
});
