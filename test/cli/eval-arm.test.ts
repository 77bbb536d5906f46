/**
 * `df-planner eval --task arm-swap`: the arm's evaluation end to end through the CLI on the real MuJoCo arm,
 * with a tiny untrained model of the arm's token layout (plumbing: fields, balanced cases, occlusion counts,
 * refusals, the picture), and the planner policy handing a flagged reading to the agent as noisy.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerPolicy } from '../../src/cli/planner-policy.js';
import { silentLogger } from '../../src/logging.js';
import type { DfModel } from '../../src/model/index.js';
import { type Agent, createAgent, type ObserveOptions } from '../../src/planner/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { saveTinyArmModel, TINY_ARM_MEAN, TINY_ARM_PLANNER } from '../helpers/tiny-arm-model.js';
import { runCliAsync } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-eval-arm-'));
const modelDir = join(dir, 'arm');
let model: DfModel;

beforeAll(async () => {
  await initBackend({ requested: 'cpu', logger: silentLogger });
  model = await saveTinyArmModel(modelDir);
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
        // Seed 1's first episode has its occlusion window at steps 25–54 (drawn from its reset seed).
        ...['--model', modelDir, '--episodes', '1', '--seed', '1', '--max-steps', '60', '--json'],
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
      planner: { latentMode: 'posterior', horizonTokens: 1, samplingSteps: 3, guidanceScale: 0 },
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

    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/--flag-noisy\b.*pass --occlude/);
    expect(refusedMaze.status).toBe(1);
    expect(refusedMaze.stderr).toMatch(/--occlude\b.*needs an arm task \(--task arm-swap\)/);
  }, 240_000);
});

describe('plannerPolicy', () => {
  it('hands a reading flagged noisy to the agent as noisy, and an unflagged one as clean', () => {
    const seen: ObserveOptions[] = [];
    const spy = (seed: number): Agent => {
      const agent = createAgent(model, {
        config: { ...TINY_ARM_PLANNER, seed },
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
    const obs = Float64Array.from(TINY_ARM_MEAN.slice(4));
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
