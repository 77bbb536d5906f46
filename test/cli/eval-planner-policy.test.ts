/**
 * The pieces of `eval --model` that are plain functions: per-episode planner seeds, the plan polyline drawn
 * from PlanResult.steps, the model/env fit check, the model's training task, and the settings precedence
 * (defaults < model.json provenance.planner < flags); then the adapter itself driving a real agent on the real env.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../sim/maze2d/evaluate.js';
import { mazeTokenLayout } from '../../sim/maze2d/training-task.js';
import {
  episodeSeed,
  explainConfigError,
  modelFitsEnv,
  modelTask,
  plannedPositions,
  plannerPolicy,
  resolvePlannerSettings,
} from '../../src/cli/planner-policy.js';
import { ConfigError, ModelFileError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import type { TrainingProvenance } from '../../src/model/checkpoint.js';
import { createModel } from '../../src/model/index.js';
import { createAgent, defaultPlannerConfig } from '../../src/planner/index.js';
import type { PlannerConfig } from '../../src/planner/types.js';
import { initBackend } from '../../src/tensor/backend.js';
import { makeMaze } from '../helpers/make-maze.js';

const defaults: PlannerConfig = defaultPlannerConfig;

describe('episodeSeed', () => {
  it('depends on the run seed and the global episode index only, within 31 bits', () => {
    const seeds = Array.from({ length: 1000 }, (_, k) => episodeSeed(7, k));
    expect(new Set(seeds).size).toBe(1000);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
    expect(episodeSeed(7, 42)).toBe(seeds[42]);
    expect(episodeSeed(8, 42)).not.toBe(seeds[42]);
    // Adjacent run seeds do not just shift the episode sequence.
    const next = Array.from({ length: 1000 }, (_, k) => episodeSeed(8, k));
    expect(next.filter((s) => seeds.includes(s)).length).toBeLessThan(3);
  });
});

describe('plannedPositions', () => {
  // Two steps of layout [action 2, reward 1, position 2, velocity 2]: positions (1.5, 2.5) and (1.6, 2.4).
  const steps = Float32Array.of(0.1, 0.2, 0, 1.5, 2.5, 9, 9, 0.3, 0.4, 1, 1.6, 2.4, 9, 9);
  const plan = { steps, stepSize: 7 };

  it('starts at the observed position and follows the position field of each step', () => {
    const p = plannedPositions(plan, [1, 2, 0, 0], 3, 10);
    expect(Array.from(p)).toEqual([
      1,
      2,
      Math.fround(1.5),
      Math.fround(2.5),
      Math.fround(1.6),
      Math.fround(2.4),
    ]);
  });

  it('stops at the end of the episode (an overhanging last token is not drawn)', () => {
    expect(Array.from(plannedPositions(plan, [1, 2], 3, 1))).toEqual([
      1,
      2,
      Math.fround(1.5),
      Math.fround(2.5),
    ]);
    expect(Array.from(plannedPositions(plan, [1, 2], 3, 0))).toEqual([1, 2]);
  });
});

describe('modelFitsEnv', () => {
  const maze = { id: 'maze2d-umaze', actionSize: 2, observationSize: 4 };

  it('finds the position right after action and reward in the maze layout', () => {
    expect(modelFitsEnv(mazeTokenLayout(10), maze, 'models/m')).toEqual({ positionOffset: 3 });
  });

  it('refuses a model whose tokens do not fit the env, naming the directory and the fix', () => {
    const oscillator = {
      frameStack: 2,
      fields: [
        { name: 'position', kind: 'observation' as const, size: 2 },
        { name: 'action', kind: 'action' as const, size: 1 },
      ],
    };
    const fit = () => modelFitsEnv(oscillator, maze, 'models/oscillator-demo');
    expect(fit).toThrow(ModelFileError);
    expect(fit).toThrow(
      /models\/oscillator-demo: does not fit maze2d-umaze: its tokens have 1 action dims, the env takes 2; 2 observation dims, the env gives 4; pass a model trained with --task maze2d-umaze/,
    );
  });
});

describe('modelTask', () => {
  const base = { command: '', datasetId: '' } as TrainingProvenance;
  it('reads the task from the dataset id, else from the training command, else null', () => {
    expect(modelTask({ ...base, datasetId: 'maze2d-medium/seed0/N1000000/F10' })).toBe('maze2d-medium');
    expect(modelTask({ ...base, command: 'df-planner train --task maze2d-large --steps 5' })).toBe(
      'maze2d-large',
    );
    expect(modelTask({ ...base, command: 'made in a test' })).toBeNull();
  });
});

describe('resolvePlannerSettings: defaults < model.json provenance.planner < flags', () => {
  it('takes the model block over the defaults and the flags over both, recording where each came from', () => {
    const r = resolvePlannerSettings(
      defaults,
      { guidanceScale: 10, warmStart: false, horizonTokens: 20 },
      'm/model.json',
      { guidanceScale: 5, samplingSteps: undefined, mcgSamples: 4 },
    );
    expect(r.config.guidanceScale).toBe(5);
    expect(r.config.warmStart).toBe(false);
    expect(r.config.horizonTokens).toBe(20);
    expect(r.config.mcgSamples).toBe(4);
    expect(r.config.samplingSteps).toBe(10);
    expect(r.sources).toMatchObject({
      guidanceScale: 'flag',
      warmStart: 'model',
      horizonTokens: 'model',
      mcgSamples: 'flag',
      samplingSteps: 'default',
    });
  });

  it('ignores a seed in the model block (the seed always comes from the command line)', () => {
    const r = resolvePlannerSettings(defaults, { seed: 99 }, 'm/model.json', { seed: 3 });
    expect(r.config.seed).toBe(3);
  });

  it('refuses unknown keys and wrong types in the model block, naming model.json and the key', () => {
    const bad = () =>
      resolvePlannerSettings(defaults, { guidanceScale: '10', horizon: 5 }, 'm/model.json', {});
    expect(bad).toThrow(ModelFileError);
    expect(bad).toThrow(
      /m\/model.json: provenance.planner: 'guidanceScale' is "10", expected a number; unknown setting 'horizon'/,
    );
    expect(() => resolvePlannerSettings(defaults, [1], 'm/model.json', {})).toThrow(/must be an object/);
  });

  it('explains an agent ConfigError with where the settings came from', () => {
    const r = resolvePlannerSettings(defaults, { warmRows: 1 }, 'm/model.json', { warmStepsLeft: 3 });
    const err = explainConfigError(
      new ConfigError([{ path: 'warmRows', message: 'must be a whole number from 3 to 10000' }]),
      r,
      'm/model.json',
    ) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/warmRows: must be a whole number from 3 to 10000/);
    expect(err.message).toMatch(/from m\/model.json provenance.planner: warmRows; from flags: warmStepsLeft/);
    const other = new Error('boom');
    expect(explainConfigError(other, r, 'm/model.json')).toBe(other);
  });
});

describe('plannerPolicy with a real agent (tiny untrained maze model, umaze)', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'cpu', logger: silentLogger });
  });

  it('plans once per token, keeps plans of recorded episodes, frees every agent, and replays an episode from its index', async () => {
    const F = 4;
    const model = createModel(
      {
        layout: mazeTokenLayout(F),
        normalization: { mean: [0, 0, 0, 2, 2, 0, 0], std: [2, 2, 1, 1, 1, 2, 2] },
        latentSize: 8,
        hiddenWidth: 12,
        mlpLayers: 2,
        levelEmbeddingSize: 8,
        initEncoderWidth: 8,
        initLatent: 'encoder',
        noise: { schedule: 'linear', levels: 1000 },
        objective: 'x0',
      },
      2,
    );
    const agentSeeds: number[] = [];
    const run = async (episodes: number, episodeOffset: number, warmup: boolean, recordEpisodes: number) => {
      const policy = plannerPolicy({
        createAgent: (seed) => {
          agentSeeds.push(seed);
          return createAgent(model, {
            config: { samplingSteps: 3, horizonTokens: 3, seed },
            actionLow: [-1, -1],
            actionHigh: [1, 1],
          });
        },
        seed: 11,
        positionOffset: 3,
        warmup,
      });
      const result = await evaluatePolicy(() => makeMaze('maze2d-umaze'), policy, {
        episodes,
        seed: 4,
        episodeOffset,
        maxSteps: 12,
        recordTrajectories: recordEpisodes > 0,
        recordEpisodes,
      });
      return { result, policy };
    };
    const { result, policy } = await run(3, 0, true, 3);
    // The model's first calls cache a few tensors (e.g. transposed weights); after that every further run,
    // its agents created and disposed per episode, leaves the count where it was.
    const settled = tf.memory().numTensors;
    expect(policy.warmupMs).toBeGreaterThan(0);
    // One throwaway warm-up agent, then one per episode, seeded from the global index.
    expect(agentSeeds).toEqual([-1, 0, 1, 2].map((k) => episodeSeed(11, k)));
    for (const [k, r] of result.records.entries()) {
      const trace = r.policyTrace!;
      expect(trace.plans.map((t) => t.step)).toEqual([0, 4, 8]);
      expect(trace.plans[0]!.warm).toBe(false);
      for (const t of trace.plans) {
        expect(t.ms).toBeGreaterThan(0);
        expect(t.cellCalls).toBeGreaterThan(0);
      }
      expect(trace.actMs!.length).toBe(12);
      expect(trace.observeMs!.length).toBe(12);
      // 3 tokens × 4 steps planned (the flexible horizon shrinks near the end), starting at the ball.
      const plans = trace.plans.map((t) => t.plan!);
      expect(
        plans.map((p) => p.length / 2),
        `episode ${k}`,
      ).toEqual([13, 9, 5]);
      expect([plans[1]![0], plans[1]![1]]).toEqual([r.trajectory![8], r.trajectory![9]]);
      for (const p of plans) for (const v of p) expect(Number.isFinite(v)).toBe(true);
    }
    // Episode 2 alone (offset 2, no warm-up) plays exactly as in the whole run.
    const alone = await run(1, 2, false, 1);
    expect(tf.memory().numTensors).toBe(settled);
    expect(alone.policy.warmupMs).toBeNull();
    const a = alone.result.records[0]!;
    const w = result.records[2]!;
    expect([a.index, a.resetSeed, a.episodeReturn, a.firstReachStep]).toEqual([
      w.index,
      w.resetSeed,
      w.episodeReturn,
      w.firstReachStep,
    ]);
    expect(Array.from(a.trajectory!)).toEqual(Array.from(w.trajectory!));
    expect(a.policyTrace!.plans.map((t) => Array.from(t.plan!))).toEqual(
      w.policyTrace!.plans.map((t) => Array.from(t.plan!)),
    );
    // Unrecorded episodes keep no plans (they would cost memory over 100 long episodes).
    const unrecorded = await run(1, 0, false, 0);
    expect(unrecorded.result.records[0]!.policyTrace!.plans.every((t) => t.plan === undefined)).toBe(true);
    expect(unrecorded.result.records[0]!.episodeReturn).toBe(result.records[0]!.episodeReturn);
    model.dispose();
  });
});
