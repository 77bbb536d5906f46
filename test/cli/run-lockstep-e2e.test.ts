/**
 * End to end, the main job's wiring (`runMazePair`, what `df-planner run` runs): the MuJoCo maze sim node and the
 * planner node (planning in its worker thread) on one bus, in lockstep, with the shipped umaze model. The trained
 * model must reach the goal; an untrained model with the same architecture and settings must not (checked on a
 * short run from a start where the trained one does reach it, so the pair of runs tells them apart).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMazePair } from '../../src/cli/run.js';
import { silentLogger } from '../../src/logging.js';
import { loadModel, readModelFile, saveModel } from '../../src/model/checkpoint.js';
import { createModel } from '../../src/model/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { repoRoot } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-run-e2e-'));
const trained = join(dir, 'trained');
const untrained = join(dir, 'untrained');

beforeAll(async () => {
  // A stable copy: a training run may be rewriting models/maze2d-umaze (atomically, file by file).
  const shipped = join(repoRoot, 'models', 'maze2d-umaze');
  for (let attempt = 0; ; attempt++) {
    cpSync(shipped, trained, { recursive: true });
    try {
      await initBackend({ requested: 'wasm', logger: silentLogger });
      (await loadModel(trained)).model.dispose();
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  // Same architecture and normalisation, random weights.
  const json = readModelFile(trained);
  const model = createModel(json.modelConfig, 11);
  try {
    await saveModel(untrained, model, {
      command: 'test/cli/run-lockstep-e2e.test.ts (untrained)',
      steps: 0,
      wallTimeSeconds: 0,
      datasetId: 'maze2d-umaze/untrained',
      seed: 11,
      finalLoss: null,
      tfjsVersion: tf.version.tfjs,
      backend: tf.getBackend(),
      savedAt: new Date(0).toISOString(),
    });
  } finally {
    model.dispose();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  task: 'maze2d-umaze',
  lockstep: true,
  episodes: 1,
  backend: 'wasm',
  logger: silentLogger,
} as const;

describe('sim node + planner node on the bus, lockstep, maze2d-umaze', () => {
  it('the trained model reaches the goal from the far end of the U within the episode', async () => {
    const r = await runMazePair({ ...base, modelDir: trained, seed: 0 });
    const e = r.report.episodes[0]!;
    // Seed 0 starts in the bottom-left arm: the path goes around the U (about 4 m), not straight up.
    expect(Math.hypot(e.start[0] - e.goal[0], e.start[1] - e.goal[1])).toBeGreaterThan(1.5);
    expect(e.steps).toBe(300);
    expect(e.success, `first reach ${e.firstReachStep}, return ${e.episodeReturn}`).toBe(true);
    expect(e.firstReachStep).toBeLessThanOrEqual(300);
    // Both sides agree: every step was one applied command, nothing dropped, every plan seen on the topic.
    expect(e.commandsApplied).toBe(300);
    expect(Object.values(e.rejected)).toEqual([0, 0, 0, 0]);
    expect(r.counters.steps).toBeGreaterThanOrEqual(300);
    expect(r.counters.planErrors).toBe(0);
    expect(r.counters.plans).toBeGreaterThanOrEqual(30);
    expect(r.plans).toHaveLength(r.counters.plans);
    expect(r.planLatencyMs.count).toBe(r.counters.plans);
  });

  it('an untrained model does not reach it where the trained one does (120 steps from the right arm)', async () => {
    const short = { ...base, seed: 0, maxSteps: 120, passThrough: ['-p', 'maze_sim:start:=[2.0, 3.0]'] };
    const good = (await runMazePair({ ...short, modelDir: trained })).report.episodes[0]!;
    const bad = (await runMazePair({ ...short, modelDir: untrained })).report.episodes[0]!;
    expect(good.start).toEqual([2, 3]);
    expect(good.success, `trained: first reach ${good.firstReachStep}`).toBe(true);
    expect(bad.success, `untrained: first reach ${bad.firstReachStep}`).toBe(false);
    expect(bad.steps).toBe(120);
  });
});
