/**
 * The printed summaries never say NaN, and `run` counts the planner's errors (issue 10): a planner whose odom
 * topic is silent, a model with a NaN weight, a one-episode evaluation (no stderr).
 */
import { cpSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixed, meanStderr, ms } from '../../src/cli/summary-format.js';
import { repoRoot, runCliAsync } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-summaries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('summary numbers', () => {
  it('missing values print as words', () => {
    expect(fixed(Number.NaN, 1)).toBe('none');
    expect(fixed(null, 1, '-')).toBe('-');
    expect(ms(Number.NaN)).toBe('none');
    expect(ms(3.256)).toBe('3.26 ms');
    expect(meanStderr(12.34, Number.NaN)).toBe('12.3');
    expect(meanStderr(12.34, 0.56)).toBe('12.3 ± 0.6');
  });
});

describe('summaries of real runs', () => {
  it('silent odom topic, NaN weight, one episode: counted, and no NaN anywhere', async () => {
    const model = join(dir, 'umaze');
    cpSync(join(repoRoot, 'models', 'maze2d-umaze'), model, { recursive: true });
    const broken = join(dir, 'nan-weight');
    cpSync(model, broken, { recursive: true });
    const fd = openSync(join(broken, 'weights.bin'), 'r+');
    writeSync(fd, new Uint8Array(new Float32Array([Number.NaN]).buffer), 0, 4, 4000);
    const common = ['--task', 'maze2d-umaze', '--max-steps', '30', '--quiet'];
    const [silent, nanWeight, oneEpisode] = await Promise.all([
      runCliAsync([
        'run',
        ...common,
        '--model',
        model,
        '--out',
        join(dir, 'silent.png'),
        '--ros-args',
        '-p',
        'planner:odom_topic:=nowhere',
      ]),
      runCliAsync(['run', ...common, '--model', broken, '--lockstep', '--out', join(dir, 'nan.png')]),
      runCliAsync(['eval', '--task', 'maze2d-umaze', '--episodes', '1', '--max-steps', '5']),
    ]);
    for (const r of [silent, nanWeight, oneEpisode]) {
      expect(r.status, r.stderr).toBe(0);
      // The quoted error message may say NaN (it names the bad value); no number of the summary may.
      expect(r.stdout.replace(/; last: .*$/m, '')).not.toMatch(/NaN/);
    }
    expect(silent.stdout).toMatch(/^tick latency +none: no state reached the planner \(0 ticks\)/m);
    expect(silent.stdout).toMatch(/^plan latency +none \(0 plans\)$/m);
    // Every plan fails on the NaN weight (one per token, F = 10); each is counted, with zero commands.
    expect(nanWeight.stdout).toMatch(
      /^planner errors +[1-9]\d* \(failed plans and other errors.*\), [1-9]\d* zero commands; last: .*not finite/m,
    );
    expect(oneEpisode.stdout).toMatch(/^normalised score +-?\d+\.\d$/m);
    expect(oneEpisode.stdout).toMatch(/^return +-?\d+\.\d of 5 steps/m);
  });
});
