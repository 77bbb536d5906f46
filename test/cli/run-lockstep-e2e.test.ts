/**
 * End to end, the main job's wiring (`runMazePair`, what `df-planner run` runs): the MuJoCo maze sim node and the
 * planner node (planning in its worker thread) on one bus, in lockstep, with the shipped umaze model, over four
 * full episodes back to back. The trained model must reach the goal (in at least 3 of the 4 episodes: the shipped
 * model is still being trained while this is written, and one start can defeat a given checkpoint); an untrained
 * model with the same architecture, normalisation, settings and starts must reach it in none.
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

const base = { task: 'maze2d-umaze', lockstep: true, backend: 'wasm', logger: silentLogger } as const;
/** Four full episodes from the starts of seed 0 (the far end of the U first), back to back on one pair of nodes. */
const EPISODES = 4;

describe('sim node + planner node on the bus, lockstep, maze2d-umaze', () => {
  it('the trained model reaches the goal in (at least 3 of) 4 episodes; an untrained one in none', async () => {
    const good = await runMazePair({ ...base, modelDir: trained, seed: 0, episodes: EPISODES });
    const episodes = good.report.episodes;
    expect(episodes).toHaveLength(EPISODES);
    // Seed 0 starts in the bottom-left arm: the path goes around the U (about 4 m), not straight up.
    const e0 = episodes[0]!;
    expect(Math.hypot(e0.start[0] - e0.goal[0], e0.start[1] - e0.goal[1])).toBeGreaterThan(1.5);
    const reached = episodes.map((e) => e.firstReachStep);
    expect(
      reached.filter((r) => r !== null).length,
      `first reach per episode: ${reached.join(', ')}`,
    ).toBeGreaterThanOrEqual(3);
    for (const e of episodes) {
      // Both sides agree: every step was one applied command, nothing dropped.
      expect(e.steps).toBe(300);
      expect(e.commandsApplied).toBe(300);
      expect(Object.values(e.rejected)).toEqual([0, 0, 0, 0]);
    }
    // The planner restarted for every episode, answered every odom (each episode's final one included), planned
    // at every token boundary, and every plan was seen on its topic.
    expect(good.counters.resets).toBeGreaterThanOrEqual(EPISODES);
    // (The answer to the very last odom may come after the run closed the planner.)
    expect(good.counters.steps).toBeGreaterThanOrEqual(EPISODES * 301 - 1);
    expect(good.counters.planErrors).toBe(0);
    expect(good.counters.plans).toBeGreaterThanOrEqual(EPISODES * 30);
    expect(good.plans.length).toBeGreaterThanOrEqual(good.counters.plans - 1);
    expect(good.planLatencyMs.count).toBe(good.counters.plans);

    // Same starts, same settings, random weights: the goal is never reached.
    const bad = await runMazePair({ ...base, modelDir: untrained, seed: 0, episodes: EPISODES });
    expect(bad.report.episodes.map((e) => e.start)).toEqual(episodes.map((e) => e.start));
    expect(bad.report.episodes.map((e) => e.firstReachStep)).toEqual(Array(EPISODES).fill(null));
  });
});
