/**
 * `df-planner run` as a process (the main job, what `npm start` runs): output shape, the picture, real time and
 * lockstep, refusals. Short episodes (--max-steps) keep each run to a few seconds; the full-episode behaviour is
 * tested in run-lockstep-e2e.test.ts.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-run-cli-'));
// A stable copy: a training run may be rewriting models/maze2d-umaze.
const model = join(dir, 'umaze');
cpSync(join(repoRoot, 'models', 'maze2d-umaze'), model, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('df-planner run', () => {
  it('lockstep: prints the score, latencies and misses as JSON and writes the trajectory picture', () => {
    const png = join(dir, 'lockstep.png');
    const r = runCli([
      'run',
      '--task',
      'maze2d-umaze',
      '--model',
      model,
      '--lockstep',
      '--max-steps',
      '25',
      '--seed',
      '3',
      '--out',
      png,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      task: 'maze2d-umaze',
      mode: 'lockstep',
      seed: 3,
      simSteps: 25,
      simDeadlineMisses: 0,
      picture: png,
    });
    expect(out.episodes).toHaveLength(1);
    expect(out.episodes[0]).toMatchObject({ steps: 25, commandsApplied: 25, mode: 'lockstep' });
    expect(out.episodes[0].trajectory).toBeUndefined();
    expect(typeof out.normalizedScore.mean).toBe('number');
    // 25 steps at F = 10: plans at steps 0, 10, 20, each seen on the plan topic.
    expect(out.plans).toBe(3);
    expect(out.plansReceived).toBe(3);
    expect(out.tickLatencyMs.count).toBeGreaterThanOrEqual(25);
    expect(out.tickLatencyMs.median).toBeGreaterThanOrEqual(0);
    expect(out.tickLatencyMs.p99).toBeGreaterThanOrEqual(out.tickLatencyMs.median);
    expect(out.planLatencyMs.count).toBe(3);
    // One umaze panel, about 480 px across.
    const image = PNG.sync.read(readFileSync(png));
    expect(image.width).toBeGreaterThan(400);
    expect(r.stderr).toContain("loaded in the planner's worker thread");
  });

  it('real time (the default): the sim keeps the wall-clock rate and both sides count misses', () => {
    const png = join(dir, 'realtime.png');
    const r = runCli([
      'run',
      '--task',
      'maze2d-umaze',
      '--model',
      model,
      '--max-steps',
      '50',
      '--out',
      png,
      '--json',
      '--quiet',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ mode: 'realtime', simSteps: 50 });
    const e = out.episodes[0];
    expect(e.mode).toBe('realtime');
    // Every step is either fresh or a counted miss (or a catch-up step after a late timer).
    expect(e.commandsApplied + e.deadlineMisses + e.catchUpSteps).toBe(50);
    expect(e.achievedRealTimeFactor).toBeGreaterThan(0.5);
    expect(e.achievedRealTimeFactor).toBeLessThan(1.5);
    expect(out.plannerDeadlineMisses).toBeGreaterThanOrEqual(0);
    expect(existsSync(png)).toBe(true);
  });

  it('prints a human summary with the numbers the README promises', () => {
    const r = runCli([
      'run',
      '--task',
      'maze2d-umaze',
      '--model',
      model,
      '--lockstep',
      '--max-steps',
      '10',
      '--out',
      join(dir, 'h.png'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^score\s+-?[\d.]+ \(D4RL normalised\)$/m);
    expect(r.stdout).toMatch(/^success\s+[\d.]+ %/m);
    expect(r.stdout).toMatch(/^tick latency\s+median [\d.]+ ms, p99 [\d.]+ ms/m);
    expect(r.stdout).toMatch(/^deadline misses\s+/m);
    expect(r.stdout).toMatch(/^picture\s+.*h\.png \(1 plans overlaid\)$/m);
  });

  it('refuses a missing model and a model of another task, naming them', () => {
    const missing = join(dir, 'gone');
    const a = runCli(['run', '--task', 'maze2d-umaze', '--model', missing]);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain(`${missing}: no such model directory`);
    const b = runCli(['run', '--task', 'maze2d-medium', '--model', model]);
    expect(b.status).toBe(1);
    expect(b.stderr).toContain('was trained on maze2d-umaze, not maze2d-medium');
    const c = runCli(['run', '--task', 'maze2d-huge']);
    expect(c.status).toBe(1);
    expect(c.stderr).toContain("'maze2d-huge' is not one of");
  });
});
