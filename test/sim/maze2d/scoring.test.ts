import { describe, expect, it } from 'vitest';
import { MAZE_TASKS } from '../../../sim/maze2d/layouts.js';
import { meanStderr, normalizedScore, summarizeEpisodes } from '../../../sim/maze2d/scoring.js';

describe('normalizedScore (docs/maze2d.md §8)', () => {
  it('maps ref_min to 0 and ref_max to 100 for every task', () => {
    for (const task of Object.values(MAZE_TASKS)) {
      expect(normalizedScore(task.id, task.refMinScore)).toBeCloseTo(0, 12);
      expect(normalizedScore(task, task.refMaxScore)).toBeCloseTo(100, 12);
    }
  });

  it('gives the §8 ceilings 200.1 / 222.1 / 296.8 for a return of T', () => {
    expect(normalizedScore('maze2d-umaze', 300)).toBeCloseTo(200.1, 1);
    expect(normalizedScore('maze2d-medium', 600)).toBeCloseTo(222.1, 1);
    expect(normalizedScore('maze2d-large', 800)).toBeCloseTo(296.8, 1);
  });

  it('gives the §8 fresh-controller value: return 226.7 on umaze is 147.0', () => {
    expect(normalizedScore('maze2d-umaze', 226.7)).toBeCloseTo(147.0, 1);
    expect(normalizedScore('maze2d-large', 560.8)).toBeCloseTo(207.3, 1);
  });

  it('names the valid tasks for an unknown one', () => {
    expect(() => normalizedScore('maze2d-huge', 1)).toThrow(/maze2d-umaze, maze2d-medium, maze2d-large/);
  });
});

describe('meanStderr', () => {
  it('uses the (n−1) sample std over √n', () => {
    // values 1, 2, 3, 4: mean 2.5, s² = 5/3, stderr = √(5/3/4)
    const r = meanStderr([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.stderr).toBeCloseTo(Math.sqrt(5 / 12), 14);
  });
  it('has no stderr for a single value', () => {
    expect(meanStderr([7]).mean).toBe(7);
    expect(Number.isNaN(meanStderr([7]).stderr)).toBe(true);
  });
});

describe('summarizeEpisodes', () => {
  it('separates reaching (success, first reach) from staying (return)', () => {
    const s = summarizeEpisodes('maze2d-umaze', [
      { episodeReturn: 250, steps: 300, success: true, firstReachStep: 51 },
      { episodeReturn: 10, steps: 300, success: true, firstReachStep: 101 },
      { episodeReturn: 0, steps: 300, success: false, firstReachStep: null },
      { episodeReturn: 0, steps: 300, success: false, firstReachStep: null },
    ]);
    expect(s.episodes).toBe(4);
    expect(s.successRate).toBe(0.5);
    expect(s.firstReachMean).toBe(76);
    expect(s.returnMean).toBe(65);
    expect(s.normalizedScore.mean).toBeCloseTo(normalizedScore('maze2d-umaze', 65), 12);
  });
  it('reports no first reach when nothing reached the goal', () => {
    const s = summarizeEpisodes('maze2d-large', [
      { episodeReturn: 0, steps: 800, success: false, firstReachStep: null },
    ]);
    expect(s.firstReachMean).toBeNull();
    expect(s.successRate).toBe(0);
  });
});
