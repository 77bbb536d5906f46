/**
 * Reference bands (docs/maze2d.md §8) on the real MuJoCo env. Measured here before fixing the bands: the fresh
 * expert over 50 episodes, 10 seeds, scored 137–150 (umaze), 147–161 (medium), 186–206 (large) against the
 * reference 147.0 / 154.4 / 207.3; random over 50 episodes scored −4…10 (umaze), −3…6 (medium), −2…5 (large),
 * i.e. mean returns 27.0 / 14.5 / 10.4 against ref_min 23.85 / 13.13 / 6.7. The bands are the reference value
 * ± about 3.5 seed-to-seed standard deviations (≈ 4.5–6 points for 50 expert episodes), wide enough not to
 * flake and narrow enough to catch a broken controller, gains, thresholds or scoring.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, randomPolicy } from '../../../sim/maze2d/evaluate.js';
import { expertPolicy } from '../../../sim/maze2d/expert.js';
import type { MazeName } from '../../../sim/maze2d/layouts.js';
import { createRng } from '../../../src/math/rng.js';
import { makeMaze } from '../../helpers/make-maze.js';

const EXPERT_BANDS: Record<MazeName, [number, number]> = {
  umaze: [130, 165],
  medium: [137, 172],
  large: [180, 225],
};

describe('evaluatePolicy: §8 reference bands', () => {
  for (const maze of ['umaze', 'medium', 'large'] as const) {
    it(`fresh waypoint expert on ${maze}: 50 episodes in [${EXPERT_BANDS[maze].join(', ')}], all succeed`, async () => {
      const result = await evaluatePolicy(
        () => makeMaze(`maze2d-${maze}`),
        expertPolicy(maze, { rng: createRng(11) }),
        { episodes: 50, seed: 1 },
      );
      expect(result.normalizedScore.mean).toBeGreaterThan(EXPERT_BANDS[maze][0]);
      expect(result.normalizedScore.mean).toBeLessThan(EXPERT_BANDS[maze][1]);
      expect(result.successRate).toBe(1);
      expect(result.records.length).toBe(50);
    });
  }

  it('random policy on umaze (100 episodes) scores near ref_min: in [−15, 25]', async () => {
    const result = await evaluatePolicy(() => makeMaze('maze2d-umaze'), randomPolicy(createRng(12)), {
      episodes: 100,
      seed: 2,
    });
    expect(result.normalizedScore.mean).toBeGreaterThan(-15);
    expect(result.normalizedScore.mean).toBeLessThan(25);
    expect(result.successRate).toBeLessThan(0.6);
  });

  it("D4RL's reused controller does worse than a fresh one on medium (issue #159: ~49/100 successes)", async () => {
    const run = (reuseController: boolean) =>
      evaluatePolicy(
        () => makeMaze('maze2d-medium'),
        expertPolicy('medium', { rng: createRng(13), reuseController }),
        {
          episodes: 50,
          seed: 3,
        },
      );
    const [fresh, reused] = [await run(false), await run(true)];
    expect(fresh.successRate).toBe(1);
    expect(reused.successRate).toBeLessThan(0.75);
    expect(reused.normalizedScore.mean).toBeLessThan(fresh.normalizedScore.mean - 30);
  });
});

describe('evaluatePolicy: bookkeeping', () => {
  it('replays the same episodes for the same seed and different ones for another seed', async () => {
    const run = (seed: number) =>
      evaluatePolicy(() => makeMaze('maze2d-umaze'), randomPolicy(createRng(5)), {
        episodes: 5,
        seed,
        recordTrajectories: true,
      });
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(a.records.map((r) => r.start)).toEqual(b.records.map((r) => r.start));
    expect(Array.from(a.records[0]!.trajectory!)).toEqual(Array.from(b.records[0]!.trajectory!));
    expect(a.records.map((r) => r.start)).not.toEqual(c.records.map((r) => r.start));
  });

  it('records T+1 positions, the first reach consistent with the trajectory, and the return as steps inside', async () => {
    const result = await evaluatePolicy(
      () => makeMaze('maze2d-umaze'),
      expertPolicy('umaze', { rng: createRng(9) }),
      { episodes: 4, seed: 4, recordTrajectories: true },
    );
    for (const r of result.records) {
      const traj = r.trajectory!;
      expect(traj.length).toBe(2 * 301);
      expect([traj[0], traj[1]]).toEqual([...r.start]);
      let inside = 0;
      let first: number | null = null;
      for (let t = 1; t <= 300; t++) {
        if (Math.hypot(traj[2 * t]! - r.goal[0], traj[2 * t + 1]! - r.goal[1]) <= 0.5) {
          inside += 1;
          first ??= t;
        }
      }
      expect(r.episodeReturn).toBe(inside);
      expect(r.firstReachStep).toBe(first);
    }
  });

  it('draws a new goal per episode with randomGoal', async () => {
    const result = await evaluatePolicy(
      () => makeMaze('maze2d-medium'),
      expertPolicy('medium', { rng: createRng(10) }),
      { episodes: 6, seed: 5, randomGoal: true },
    );
    const goals = new Set(result.records.map((r) => r.goal.join(',')));
    expect(goals.size).toBeGreaterThan(1);
    expect(result.successRate).toBe(1);
  });

  it('refuses a non-positive episode count', async () => {
    await expect(
      evaluatePolicy(() => makeMaze('maze2d-umaze'), randomPolicy(createRng(1)), { episodes: 0, seed: 0 }),
    ).rejects.toThrow(/episodes must be a whole number ≥ 1, got 0/);
  });
});
