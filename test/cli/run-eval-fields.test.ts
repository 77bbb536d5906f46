/**
 * `df-planner run --json` prints `df-planner eval --json`'s score fields (issue 14 item 3): the same names and
 * shapes, and, for the same seed, the same episode starts, so a real-time run and a lockstep eval compare start
 * by start. Real time, short episodes (--max-steps) to keep it to seconds; eval with the random policy (the starts
 * depend on the seed only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-run-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCORE_FIELDS = [
  'normalizedScore',
  'successRate',
  'firstReachMean',
  'firstReachStderr',
  'returnMean',
  'returnStderr',
  'episodeLength',
  'refMinScore',
  'refMaxScore',
  'perEpisode',
] as const;

describe('run --json and eval --json', () => {
  it('share the score fields, and the same seed gives the same starts', async () => {
    const common = [
      '--task',
      'maze2d-umaze',
      '--episodes',
      '3',
      '--seed',
      '11',
      '--max-steps',
      '15',
      '--json',
    ];
    const [run, evaluated] = await Promise.all([
      runCliAsync(['run', ...common, '--quiet', '--out', join(dir, 'run.png')]),
      runCliAsync(['eval', ...common, '--policy', 'random']),
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    const e = JSON.parse(evaluated.stdout);
    for (const key of SCORE_FIELDS) expect(Object.keys(r), key).toContain(key);
    expect(Object.keys(r.normalizedScore).sort()).toEqual(Object.keys(e.normalizedScore).sort());
    expect(Object.keys(r.perEpisode[0]).sort()).toEqual(
      Object.keys(e.perEpisode[0])
        .filter((k) => k !== 'plans')
        .sort(),
    );
    expect(r.episodeLength).toBe(e.episodeLength);
    expect([r.refMinScore, r.refMaxScore]).toEqual([e.refMinScore, e.refMaxScore]);
    // The start list: episode k starts from the k-th draw of the seed in both.
    const starts = (o: { perEpisode: { index: number; resetSeed: number; start: number[] }[] }) =>
      o.perEpisode.map(({ index, resetSeed, start }) => ({ index, resetSeed, start }));
    expect(starts(r)).toHaveLength(3);
    expect(starts(r)).toEqual(starts(e));
    // The summary is computed from the episodes, as eval's.
    const mean =
      r.perEpisode.reduce((a: number, p: { normalizedScore: number }) => a + p.normalizedScore, 0) / 3;
    expect(r.normalizedScore.mean).toBeCloseTo(mean, 3);
    expect(r.staleStepFraction).toBeGreaterThanOrEqual(0);
  });
});
