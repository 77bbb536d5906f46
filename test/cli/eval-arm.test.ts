/**
 * `df-planner eval --task arm-swap`: the arm's evaluation end to end through the CLI on the real MuJoCo arm,
 * with a tiny untrained model of the arm's token layout (plumbing: fields, balanced cases, occlusion counts,
 * refusals, the picture), and the planner policy handing a flagged reading to the agent as noisy.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armTokenLayout } from '../../sim/arm/training-task.js';
import { plannerPolicy } from '../../src/cli/planner-policy.js';
import { silentLogger } from '../../src/logging.js';
import { saveModel, type TrainingProvenance } from '../../src/model/checkpoint.js';
import { createModel, type DfModel, type ModelConfig } from '../../src/model/index.js';
import { type Agent, createAgent, type ObserveOptions } from '../../src/planner/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { runCliAsync } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-eval-arm-'));
const modelDir = join(dir, 'arm');
// Roughly the demos' statistics: action (x, y, z, grip), q, qd, gripper, apple xyz, orange xyz.
const mean = [0.28, 0, 0.15, 0.03, 0, 0.6, -1.2, -1, 0, 0, 0, 0, 0.06, 0.32, 0, 0.04, 0.32, 0, 0.04];
const std = [0.1, 0.2, 0.1, 0.04, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1, 0.03, 0.05, 0.15, 0.02, 0.05, 0.15, 0.02];
const config: ModelConfig = {
  layout: armTokenLayout(5),
  normalization: { mean, std },
  latentSize: 8,
  hiddenWidth: 16,
  mlpLayers: 2,
  levelEmbeddingSize: 8,
  initEncoderWidth: 8,
  initLatent: 'encoder',
  noise: { schedule: 'cosine', levels: 1000 },
  objective: 'x0',
};
const provenance: TrainingProvenance = {
  command: 'made in test/cli/eval-arm.test.ts',
  steps: 0,
  wallTimeSeconds: 0,
  datasetId: 'arm-swap/test',
  seed: 1,
  finalLoss: null,
  tfjsVersion: tf.version.tfjs,
  backend: 'cpu',
  savedAt: '2026-01-01T00:00:00.000Z',
  planner: {
    horizonTokens: 1,
    samplingSteps: 2,
    guidanceScale: 0,
    latentMode: 'posterior',
    warmStart: false,
  },
} as TrainingProvenance;
let model: DfModel;

beforeAll(async () => {
  await initBackend({ requested: 'cpu', logger: silentLogger });
  model = createModel(config, 1);
  await saveModel(modelDir, model, provenance);
});
afterAll(() => {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const evalArm = (...args: string[]) => runCliAsync(['eval', '--task', 'arm-swap', ...args]);

describe('df-planner eval --task arm-swap', () => {
  it('--json: success with its Wilson interval, balanced cases, moves, occlusion; --plot draws every episode', async () => {
    const plot = join(dir, 'arm.png');
    const [r, occluded, refused, refusedMaze] = await Promise.all([
      evalArm(
        '--model',
        modelDir,
        '--episodes',
        '2',
        '--seed',
        '3',
        '--max-steps',
        '20',
        '--json',
        '--plot',
        plot,
      ),
      evalArm(
        ...['--model', modelDir, '--episodes', '1', '--seed', '3', '--max-steps', '250', '--json'],
        ...['--latent', 'reencode', '--occlude', 'window', '--occlude-mode', 'stale', '--flag-noisy'],
      ),
      evalArm('--episodes', '1', '--flag-noisy'),
      runCliAsync(['eval', '--task', 'maze2d-umaze', '--episodes', '1', '--occlude', 'move']),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      task: 'arm-swap',
      policy: 'planner',
      episodes: 2,
      seed: 3,
      episodeLength: 20,
      occlude: null,
      flagNoisy: false,
      perCase: { AB: { episodes: 1 }, BA: { episodes: 1 } },
      model: { dir: modelDir, task: 'arm-swap', trainingSteps: 0 },
      planner: { latentMode: 'posterior', horizonTokens: 1, samplingSteps: 2, guidanceScale: 0 },
    });
    expect(out.perEpisode.map((e: { case: string }) => e.case)).toEqual(['AB', 'BA']);
    // 20 steps with F = 5: four plans per episode. An untrained model in 2 s swaps nothing.
    expect(out.perEpisode.map((e: { plans: number }) => e.plans)).toEqual([4, 4]);
    expect(out.successRate).toBe(0);
    expect(out.successCi95[0]).toBe(0);
    expect(out.successCi95[1]).toBeCloseTo(0.6576, 3);
    expect(out.timeToSuccessMean).toBeNull();
    const png = PNG.sync.read(readFileSync(plot));
    expect(png.width).toBeGreaterThan(400);

    expect(occluded.status, occluded.stderr).toBe(0);
    const o = JSON.parse(occluded.stdout);
    expect(o).toMatchObject({
      occlude: 'window',
      occludeMode: 'stale',
      flagNoisy: true,
      planner: { latentMode: 'reencode' },
    });
    expect(o.perEpisode[0].occludedSteps).toBe(30);

    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--flag-noisy .*pass --occlude/);
    expect(refusedMaze.status).toBe(2);
    expect(refusedMaze.stderr).toMatch(/--occlude .*needs --task arm-swap/);
  }, 120_000);
});

describe('plannerPolicy', () => {
  it('hands a reading flagged noisy to the agent as noisy, and an unflagged one as clean', () => {
    const seen: ObserveOptions[] = [];
    const spy = (seed: number): Agent => {
      const agent = createAgent(model, {
        config: { horizonTokens: 1, samplingSteps: 2, guidanceScale: 0, latentMode: 'posterior', seed },
        actionLow: [0.05, -0.4, 0, 0],
        actionHigh: [0.5, 0.4, 0.35, 0.045],
      });
      return new Proxy(agent, {
        get(target, key) {
          if (key === 'observe') {
            return (o: ArrayLike<number>, r: number, options?: ObserveOptions) => {
              seen.push(options ?? {});
              target.observe(o, r, options);
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    const policy = plannerPolicy({ createAgent: spy, seed: 1, positionOffset: null });
    const obs = Float64Array.from(mean.slice(4));
    policy.reset(obs, { t: 0 }, { index: 0, resetSeed: 1, steps: 10, recorded: true });
    for (let t = 0; t < 4; t++) {
      policy.act(obs, { t });
      policy.observe?.(obs, 0, { t: t + 1 }, t % 2 === 1 ? { noisy: true } : {});
    }
    expect(seen.map((o) => o.noisy === true)).toEqual([false, true, false, true]);
    const trace = policy.endEpisode?.();
    expect(trace?.plans[0]?.plan).toBeUndefined(); // no position to draw plans from
  });
});
