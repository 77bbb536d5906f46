import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `df-planner eval …args`. */
const cli = (...args: string[]) => runCli(['eval', ...args]);

describe('df-planner eval', () => {
  it('--json prints the score summary as one line and --plot writes a PNG', () => {
    const plot = join(dir, 'plots', 'umaze.png');
    const r = cli(
      '--task',
      'maze2d-umaze',
      '--policy',
      'expert',
      '--episodes',
      '20',
      '--seed',
      '4',
      '--json',
      '--plot',
      plot,
    );
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      task: 'maze2d-umaze',
      policy: 'expert',
      episodes: 20,
      seed: 4,
      randomGoal: false,
    });
    for (const key of ['successRate', 'firstReachMean', 'returnMean', 'returnStderr'])
      expect(typeof out[key]).toBe('number');
    expect(typeof out.normalizedScore.mean).toBe('number');
    expect(typeof out.normalizedScore.stderr).toBe('number');
    // The fresh expert always reaches the goal; the score is far above the random policy's ~0.
    expect(out.successRate).toBe(1);
    expect(out.normalizedScore.mean).toBeGreaterThan(110);
    const png = PNG.sync.read(readFileSync(plot));
    expect(png.width).toBeGreaterThan(4 * 200);
  });

  it('is reproducible for a seed, and the random policy scores far below the expert', () => {
    const a = JSON.parse(
      cli('--task', 'maze2d-umaze', '--policy', 'random', '--episodes', '30', '--json').stdout,
    );
    const b = JSON.parse(
      cli('--task', 'maze2d-umaze', '--policy', 'random', '--episodes', '30', '--json').stdout,
    );
    expect(a).toEqual(b);
    expect(a.normalizedScore.mean).toBeLessThan(40);
  });

  it('an unknown task exits 1 and lists the valid ones', () => {
    const r = cli('--task', 'antmaze-umaze');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/'antmaze-umaze' is not one of: maze2d-umaze, maze2d-medium, maze2d-large/);
  });

  it('an unknown policy exits 1 and lists the valid ones', () => {
    const r = cli('--task', 'maze2d-umaze', '--policy', 'diffusion');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/expert, expert-reused, random/);
  });
});
