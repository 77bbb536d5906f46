/**
 * `df-planner eval --model`: the Diffusion Forcing planner on the real umaze env, end to end through the CLI,
 * with a tiny untrained model of the maze token layout (F = 5, so a 20-step episode has exactly 4 plans). What
 * is checked is the plumbing — fields, plan counting, plan overlays, splitting, settings precedence, errors —
 * not the score (an untrained model has none worth asserting).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mazeTokenLayout } from '../../sim/maze2d/training-task.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { saveModel, type TrainingProvenance } from '../../src/model/checkpoint.js';
import { createModel, type ModelConfig } from '../../src/model/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { runCli } from './run-cli.js';

const F = 5;
const dir = mkdtempSync(join(tmpdir(), 'df-eval-planner-'));
const plain = join(dir, 'plain');
const tuned = join(dir, 'tuned');

const config: ModelConfig = {
  layout: mazeTokenLayout(F),
  // Positions around the umaze's middle, velocities of a few m/s (roughly the dataset's statistics).
  normalization: { mean: [0, 0, 0, 2, 2, 0, 0], std: [2, 2, 1, 1, 1, 2, 2] },
  latentSize: 8,
  hiddenWidth: 16,
  mlpLayers: 2,
  levelEmbeddingSize: 8,
  initEncoderWidth: 8,
  initLatent: 'encoder',
  noise: { schedule: 'linear', levels: 1000 },
  objective: 'x0',
};

const provenance = (extra: Record<string, unknown> = {}): TrainingProvenance =>
  ({
    command: 'made in test/cli/eval-planner.test.ts',
    steps: 0,
    wallTimeSeconds: 0,
    datasetId: 'maze2d-umaze/test',
    seed: 1,
    finalLoss: null,
    tfjsVersion: tf.version.tfjs,
    backend: 'cpu',
    savedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  }) as TrainingProvenance;

beforeAll(async () => {
  await initBackend({ requested: 'cpu', logger: silentLogger });
  const model = createModel(config, 1);
  await saveModel(plain, model, provenance());
  await saveModel(tuned, model, provenance({ planner: { horizonTokens: 2, guidanceScale: 1.5 } }));
  model.dispose();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const evalCli = (...args: string[]) => runCli(['eval', '--task', 'maze2d-umaze', ...args]);
const fast = ['--max-steps', '20', '--sampling-steps', '4'];

/** Pixels with the plan overlay's purple cast (red and blue above green; no other maze colour has it). */
function purplePixels(file: string): number {
  const png = PNG.sync.read(readFileSync(file));
  let n = 0;
  for (let k = 0; k < png.data.length; k += 4) {
    const [r, g, b] = [png.data[k]!, png.data[k + 1]!, png.data[k + 2]!];
    if (b > g + 15 && r > g + 10) n += 1;
  }
  return n;
}

describe('df-planner eval --model', () => {
  it('--json: score, success, first reach, one record per plan, plan latency and the effective settings; --plot draws the plans', () => {
    const plot = join(dir, 'planner.png');
    const r = evalCli('--model', plain, '--episodes', '2', '--seed', '3', ...fast, '--json', '--plot', plot);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      task: 'maze2d-umaze',
      policy: 'planner',
      episodes: 2,
      seed: 3,
      episodeOffset: 0,
      episodeLength: 20,
      maxSteps: 20,
      model: { dir: plain, task: 'maze2d-umaze', trainingSteps: 0 },
    });
    expect(Number.isFinite(out.normalizedScore.mean)).toBe(true);
    expect(Number.isFinite(out.normalizedScore.stderr)).toBe(true);
    expect(out.successRate).toBeGreaterThanOrEqual(0);
    expect(out.successRate).toBeLessThanOrEqual(1);
    expect(out.perEpisode.length).toBe(2);
    for (const e of out.perEpisode) {
      expect(e.plans).toBe(20 / F);
      expect(e.firstReachStep === null || (e.firstReachStep >= 1 && e.firstReachStep <= 20)).toBe(true);
    }
    // One record per plan(): 4 per 20-step episode with F = 5; the first of each episode is cold.
    expect(out.planMs.count).toBe(2 * (20 / F));
    expect(out.planMs.coldCount + out.planMs.warmCount).toBe(out.planMs.count);
    expect(out.planMs.coldCount).toBeGreaterThanOrEqual(2);
    for (const key of ['median', 'p99', 'mean']) {
      expect(Number.isFinite(out.planMs[key])).toBe(true);
      expect(out.planMs[key]).toBeGreaterThan(0);
    }
    expect(out.planMs.p99).toBeGreaterThanOrEqual(out.planMs.median);
    expect(out.cellCallsPerPlan).toBeGreaterThan(0);
    expect(out.overheadMs.act.count).toBe(40);
    expect(out.overheadMs.observe.count).toBe(40);
    expect(Number.isFinite(out.overheadMs.act.median)).toBe(true);
    expect(out.warmupMs).toBeGreaterThan(0);
    expect(out.planner.samplingSteps).toBe(4);
    expect(out.planner.seed).toBe(3);
    expect(out.plannerSettingsFrom).toEqual({ model: [], flags: ['samplingSteps'] });
    // The picture: panels for both episodes, and the plans' purple where an expert run has none.
    expect(purplePixels(plot)).toBeGreaterThan(50);
    const expertPlot = join(dir, 'expert.png');
    const e = evalCli('--episodes', '2', '--seed', '3', '--max-steps', '20', '--json', '--plot', expertPlot);
    expect(e.status, e.stderr).toBe(0);
    expect(purplePixels(expertPlot)).toBe(0);
    const png = PNG.sync.read(readFileSync(plot));
    expect(png.width).toBe(PNG.sync.read(readFileSync(expertPlot)).width);
  });

  it('a split run replays the whole run episode by episode; the model block sits between defaults and flags', () => {
    const run = (...args: string[]) => {
      const r = evalCli(
        '--model',
        tuned,
        '--seed',
        '5',
        ...fast,
        '--json',
        '--guidance-scale',
        '0.5',
        ...args,
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const whole = run('--episodes', '2');
    const second = run('--episodes', '1', '--episodes-offset', '1', '--no-warmup');
    expect(second.episodeOffset).toBe(1);
    expect(second.perEpisode[0]).toEqual(whole.perEpisode[1]);
    expect(second.warmupMs).toBeNull();
    // tuned/model.json carries {horizonTokens: 2, guidanceScale: 1.5}; the flag wins for the scale.
    expect(whole.planner.horizonTokens).toBe(2);
    expect(whole.planner.guidanceScale).toBe(0.5);
    expect(whole.plannerSettingsFrom.model).toEqual(['horizonTokens']);
    expect(whole.plannerSettingsFrom.flags).toEqual(['samplingSteps', 'guidanceScale']);
  });

  it('prints a readable summary with the plan latency and the settings without --json', () => {
    const r = evalCli('--model', plain, '--episodes', '1', '--max-steps', '10', '--sampling-steps', '3');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^maze2d-umaze, policy planner .*, 1 episodes, seed 0/);
    expect(r.stdout).toMatch(/plan latency {6}median \d+\.\d ms, p99 \d+\.\d ms over 2 plans/);
    expect(r.stdout).toMatch(/act \/ observe {5}median/);
    expect(r.stdout).toMatch(/planner {11}horizonTokens=60 .*samplingSteps=3/);
    expect(r.stdout).toMatch(/cut by --max-steps: not a D4RL score/);
  });
});

describe('df-planner eval --model: user errors exit 1 with the path and the fix', () => {
  it('a missing model directory', () => {
    const missing = join(dir, 'no-such-model');
    const r = evalCli('--model', missing, '--episodes', '1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`df-planner eval: ${missing}: no such model directory`);
  });

  // In-process (the command throws; main.ts turns every DfPlannerError into exit 1, as the case above shows):
  // these refusals need no fresh process each.
  it('a truncated weights file names the file and its size', async () => {
    const { default: command } = await import('../../src/cli/eval.js');
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    for (const f of ['model.json', 'weights.bin']) copyFileSync(join(plain, f), join(broken, f));
    truncateSync(join(broken, 'weights.bin'), 100);
    await expect(
      command.run(['--task', 'maze2d-umaze', '--backend', 'cpu', '--model', broken, '--episodes', '1']),
    ).rejects.toThrow(`${join(broken, 'weights.bin')}: is 100 bytes`);
  });

  it('a model of another maze, planner flags without --model, --policy with --model, bad settings', async () => {
    const { default: command } = await import('../../src/cli/eval.js');
    const run = (...args: string[]) => command.run(['--task', 'maze2d-umaze', ...args]);
    const withModel = (...args: string[]) => run('--backend', 'cpu', '--model', plain, ...args);
    await expect(
      command.run(['--task', 'maze2d-medium', '--backend', 'cpu', '--model', plain, '--episodes', '1']),
    ).rejects.toThrow(
      /was trained on maze2d-umaze, not maze2d-medium .*pass --task maze2d-umaze, a maze2d-medium model, or --allow-task-mismatch/,
    );
    await expect(run('--guidance-scale', '3', '--warm-start')).rejects.toThrow(
      '--guidance-scale, --warm-start set up the planner and need --model DIR',
    );
    await expect(run('--backend', 'cpu')).rejects.toThrow(
      '--backend sets up the planner and needs --model DIR',
    );
    await expect(withModel('--policy', 'random')).rejects.toThrow(
      '--policy picks a baseline and --model the planner; pass one of them',
    );
    await expect(withModel('--warm-start', '--cold-start')).rejects.toThrow(
      'pass --warm-start or --cold-start, not both',
    );
    const bad = withModel('--episodes', '1', '--warm-steps-left', '3', '--warm-rows', '2');
    await expect(bad).rejects.toThrow(ConfigError);
    await expect(bad).rejects.toThrow(
      /warmRows: must be a whole number from 3[\s\S]*from flags: warmStepsLeft, warmRows\)/,
    );
  });
});
