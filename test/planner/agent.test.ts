/**
 * The MPC agent end to end on small real models: the observe/plan/act protocol and its errors, the flexible
 * horizon, warm start, MCG batching, guidance direction, latent handling, NaN handling and tensor hygiene.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InputError, PlanningError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { ddimLevels, noiseSchedule, stabilizationLevel } from '../../src/math/index.js';
import type { DfModel } from '../../src/model/index.js';
import { type GuidanceObjective, goalReaching, registerObjective } from '../../src/objectives/index.js';
import {
  type Agent,
  createAgent,
  defaultPlannerConfig,
  type PlannerConfig,
  planActions,
} from '../../src/planner/index.js';
import { initBackend } from '../../src/tensor/index.js';
import {
  GaussianPriorModel,
  makeTinyMazeModel,
  recordingModel,
  STEP,
  TOKEN,
  tinyMazeConfig,
} from './planner-fixtures.js';

const F = 2;
const A = 2;
const POS = 3;
const small: Partial<PlannerConfig> = {
  horizonTokens: 6,
  samplingSteps: 4,
  warmStepsLeft: 2,
  warmRows: 3,
  guidanceScale: 1,
  // These tests watch the tfjs rows (rollout spies, closed-form models); plan-network.test.ts covers 'plain'.
  planNetwork: 'tfjs',
};
const bounds = { actionLow: [-1, -1], actionHigh: [1, 1] };
const start = { observation: [0.5, 0.5, 0, 0], goal: [2, 1.5], stepsRemaining: 40, episodeSteps: 40 };

/** A probe objective: goal_reaching that records the contexts and final scores it is called with. */
const probe = {
  masks: [] as Float32Array[],
  scores: [] as Float32Array[],
  objective: {
    ...goalReaching,
    name: 'planner_test_probe',
    score(x0Hat, context) {
      probe.masks.push(context.stepMask);
      const score = goalReaching.score(x0Hat, context);
      if (!tf.engine().isTapeOn()) probe.scores.push(score.dataSync() as Float32Array);
      return score;
    },
  } satisfies GuidanceObjective,
};

let model: DfModel;

function agentFor(m: DfModel, config: Partial<PlannerConfig> = {}, extra = {}): Agent {
  return createAgent(m, { config: { ...small, ...config }, ...bounds, ...extra });
}

/** Executes one whole token: F × (act, observe) with observations drifting by `drift`. */
function runToken(agent: Agent, drift = 0.05, options: { noisy?: boolean } = {}): Float32Array[] {
  const actions: Float32Array[] = [];
  for (let f = 0; f < F && agent.status.stepsRemaining > 0; f++) {
    actions.push(agent.act());
    agent.observe([0.5 + drift * f, 0.5, 0.1, 0], 0.25, options);
  }
  return actions;
}

function planPositions(steps: Float32Array): [number, number][] {
  const out: [number, number][] = [];
  for (let j = 0; j < steps.length / STEP; j++)
    out.push([steps[j * STEP + POS]!, steps[j * STEP + POS + 1]!]);
  return out;
}

describe('MPC agent', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    model = makeTinyMazeModel();
    registerObjective(probe.objective);
  });
  afterAll(() => model.dispose());

  describe('protocol', () => {
    it('reset → plan → act/observe × F → needsPlan, with actions handed out in order', () => {
      const agent = agentFor(model);
      expect(agent.needsPlan).toBe(false);
      agent.reset(start);
      expect(agent.needsPlan).toBe(true);
      expect(agent.status).toEqual({ stepsRemaining: 40, stepsIntoToken: 0, needsPlan: true, plans: 0 });
      const plan = agent.plan();
      expect(agent.needsPlan).toBe(false);
      expect(agent.lastPlan).toBe(plan);
      expect(plan.actions).toHaveLength(F * A);
      expect(plan.stepSize).toBe(STEP);
      const first = agent.act();
      expect(Array.from(first)).toEqual(Array.from(plan.actions.subarray(0, A)));
      expect(Array.from(agent.act())).toEqual(Array.from(first)); // act() is idempotent until observe()
      agent.observe([0.6, 0.5, 0.1, 0], 0);
      expect(agent.status.stepsIntoToken).toBe(1);
      expect(Array.from(agent.act())).toEqual(Array.from(plan.actions.subarray(A, 2 * A)));
      agent.observe([0.7, 0.5, 0.1, 0], 0);
      expect(agent.status).toEqual({ stepsRemaining: 38, stepsIntoToken: 0, needsPlan: true, plans: 1 });
      expect(() => agent.act()).toThrow(PlanningError);
      agent.dispose();
    });

    it('refuses calls out of order with the error class the node handles', () => {
      const agent = agentFor(model);
      expect(() => agent.plan()).toThrow(PlanningError);
      expect(() => agent.act()).toThrow(PlanningError);
      expect(() => agent.observe([0, 0, 0, 0], 0)).toThrow(InputError);
      agent.reset(start);
      expect(() => agent.act()).toThrow(/call plan\(\) first/);
      agent.plan();
      expect(() => agent.observe([0, 0, 0, 0], 0)).toThrow(/call act\(\)/); // no executed action known
      agent.observe([0, 0, 0, 0], 0, { action: [5, -5] }); // a safe command instead of act(): accepted
      expect(agent.status.stepsIntoToken).toBe(1);
      agent.dispose();
      expect(() => agent.plan()).toThrow(/disposed/);
    });

    it('validates observations, rewards and goals (InputError), and accepts flagged noisy readings', () => {
      const agent = agentFor(model);
      expect(() => agent.reset({ ...start, observation: [0, 0, 0] })).toThrow(InputError);
      expect(() => agent.reset({ ...start, stepsRemaining: 0 })).toThrow(InputError);
      expect(() => agent.reset({ ...start, goal: [1, 2, 3] })).toThrow(/needs 2/);
      agent.reset(start);
      agent.plan();
      agent.act();
      expect(() => agent.observe([0, Number.NaN, 0, 0], 0)).toThrow(/noisy/);
      expect(() => agent.observe([0, 0, 0, 0], Number.POSITIVE_INFINITY)).toThrow(InputError);
      agent.observe([0, Number.NaN, 0, 0], Number.NaN, { noisy: true });
      expect(agent.status.stepsIntoToken).toBe(1);
      expect(() => agent.setGoal([Number.NaN, 0])).toThrow(InputError);
      agent.dispose();
    });

    it('clamps actions to the bounds: act(), plan.actions and planActions', () => {
      const agent = agentFor(model, {}, { actionLow: [-0.01, -0.02], actionHigh: [0.01, 0.02] });
      agent.reset(start);
      const plan = agent.plan();
      const raw = Array.from({ length: plan.steps.length / STEP }, (_, j) => plan.steps[j * STEP]!);
      expect(Math.max(...raw.map(Math.abs))).toBeGreaterThan(0.01); // the clamp has work to do
      const all = planActions(agent, plan);
      expect(all).toHaveLength(plan.horizonTokens * F * A);
      for (let j = 0; j < all.length / A; j++) {
        expect(Math.abs(all[j * A]!)).toBeLessThanOrEqual(0.01 + 1e-7);
        expect(Math.abs(all[j * A + 1]!)).toBeLessThanOrEqual(0.02 + 1e-7);
      }
      expect(Array.from(plan.actions)).toEqual(Array.from(all.subarray(0, F * A)));
      const a = agent.act();
      expect(Math.abs(a[0]!)).toBeLessThanOrEqual(0.01 + 1e-7);
      agent.dispose();
    });

    it('ends the episode: plan() then throws a PlanningError, observe() an InputError', () => {
      const agent = agentFor(model);
      agent.reset({ ...start, stepsRemaining: 3 });
      expect(agent.plan().horizonTokens).toBe(2);
      runToken(agent);
      agent.plan();
      agent.act();
      agent.observe([0, 0, 0, 0], 0);
      expect(agent.status.stepsRemaining).toBe(0);
      expect(agent.needsPlan).toBe(false);
      expect(() => agent.plan()).toThrow(/no steps left/);
      expect(() => agent.act()).toThrow(PlanningError);
      expect(() => agent.observe([0, 0, 0, 0], 0)).toThrow(InputError);
      agent.reset(start); // the next episode
      expect(agent.needsPlan).toBe(true);
      agent.dispose();
    });
  });

  describe('configuration', () => {
    it('createAgent names every bad setting and bound in one ConfigError', () => {
      try {
        createAgent(model, { config: { mcgSamples: 0, eta: 3 }, actionLow: [0, 2], actionHigh: [1] });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual([
          'actionHigh',
          'eta',
          'mcgSamples',
        ]);
      }
      expect(() => createAgent(model, { actionLow: [0, 2], actionHigh: [1, 1] })).toThrow(/actionLow\[1\]/);
    });

    it("refuses 'reencode' for a model without an init encoder", () => {
      const learned = makeTinyMazeModel({ initLatent: 'learned' });
      expect(() => agentFor(learned, { latentMode: 'reencode' })).toThrow(/latentMode/);
      const agent = agentFor(learned, { latentMode: 'posterior' });
      expect(() => agent.updateConfig({ latentMode: 'reencode' })).toThrow(ConfigError);
      expect(agent.config.latentMode).toBe('posterior');
      agent.dispose();
      learned.dispose();
    });

    it('updateConfig validates everything first, then applies between plans', () => {
      const agent = agentFor(model);
      agent.reset(start);
      agent.plan();
      expect(() => agent.updateConfig({ guidanceScale: -1, warmRows: 0 })).toThrow(ConfigError);
      expect(agent.config.guidanceScale).toBe(small.guidanceScale);
      agent.updateConfig({ guidanceScale: 2.5, horizonTokens: 3, latentMode: 'posterior' });
      expect(agent.config.guidanceScale).toBe(2.5);
      runToken(agent);
      expect(agent.plan().horizonTokens).toBe(3);
      expect(agent.config).not.toBe(defaultPlannerConfig);
      agent.dispose();
    });
  });

  describe('horizon', () => {
    it('flexible: H = min(cap, ⌈steps left / F⌉) and the overhanging step is masked', () => {
      const agent = agentFor(model, { objective: 'planner_test_probe', horizonTokens: 6 });
      agent.reset({ ...start, stepsRemaining: 7 });
      probe.masks.length = 0;
      const plan = agent.plan();
      expect(plan.horizonTokens).toBe(4);
      expect(plan.steps).toHaveLength(4 * F * STEP);
      const mask = probe.masks.at(-1)!;
      expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
      // Within a token the plan still starts at the boundary: the same 7 + 1 steps.
      agent.act();
      agent.observe([0, 0, 0, 0], 0);
      expect(agent.plan().horizonTokens).toBe(4);
      agent.dispose();
    });

    it('fixed: always horizonTokens, masked past the end', () => {
      const agent = agentFor(model, {
        objective: 'planner_test_probe',
        flexibleHorizon: false,
        horizonTokens: 5,
      });
      agent.reset({ ...start, stepsRemaining: 7 });
      probe.masks.length = 0;
      expect(agent.plan().horizonTokens).toBe(5);
      expect(probe.masks.at(-1)!.reduce((a, b) => a + b, 0)).toBe(7);
      agent.dispose();
    });
  });

  describe('warm start', () => {
    it('runs fewer rows and cell calls than a cold plan, and its first token ends clean', () => {
      const { model: spy, calls } = recordingModel(model);
      const agent = agentFor(spy, { warmStepsLeft: 2, warmRows: 3 });
      agent.reset(start);
      const cold = agent.plan();
      expect(cold.warm).toBe(false);
      expect(cold.rows).toBe(4 + 6 - 1); // S + (H − 1)·u transitions
      runToken(agent);
      calls.length = 0;
      const warm = agent.plan();
      expect(warm.warm).toBe(true);
      expect(warm.rows).toBe(3);
      expect(warm.cellCalls).toBeLessThan(cold.cellCalls);
      expect(warm.cellCalls).toBe(calls.reduce((n, c) => n + c.tokens * c.batch, 0));
      // Token 0 finished before the last row: the prefix pass fed it at the stabilisation label.
      const label = stabilizationLevel(4, 1000);
      expect(calls.some((c) => c.kind === 'rollout' && c.tokens === 1 && c.levels[0] === label)).toBe(true);
      agent.dispose();
    });

    it('plans cold after a reset, a goal change, an objective change, or with warmStart off', () => {
      const agent = agentFor(model);
      agent.reset(start);
      agent.plan();
      runToken(agent);
      agent.setGoal([2, 1.5]); // the same goal: stays warm
      expect(agent.plan().warm).toBe(true);
      runToken(agent);
      agent.setGoal([-1, 0]);
      expect(agent.plan().warm).toBe(false);
      runToken(agent);
      agent.updateConfig({ objective: 'planner_test_probe' });
      expect(agent.plan().warm).toBe(false);
      runToken(agent);
      agent.updateConfig({ warmStart: false });
      expect(agent.plan().warm).toBe(false);
      agent.reset(start);
      agent.updateConfig({ warmStart: true });
      expect(agent.plan().warm).toBe(false);
      agent.dispose();
    });
  });

  describe('Monte Carlo guidance', () => {
    it('runs the R samples as the batch of every rollout, never as R passes', () => {
      const runs = (samples: number) => {
        const { model: spy, calls } = recordingModel(model);
        const agent = agentFor(spy, { mcgSamples: samples });
        agent.reset(start);
        calls.length = 0;
        const plan = agent.plan();
        agent.dispose();
        return { plan, rollouts: calls.filter((c) => c.kind === 'rollout') };
      };
      const one = runs(1);
      const four = runs(4);
      expect(four.rollouts.length).toBe(one.rollouts.length);
      expect(four.rollouts.every((c) => c.batch === 4)).toBe(true);
      expect(four.plan.cellCalls).toBe(4 * one.plan.cellCalls);
    });

    it("'best' executes the sample with the highest final J, 'first' sample 0", () => {
      for (const select of ['best', 'first'] as const) {
        const agent = agentFor(model, { objective: 'planner_test_probe', mcgSamples: 5, mcgSelect: select });
        agent.reset(start);
        probe.scores.length = 0;
        const plan = agent.plan();
        const finalScores = Array.from(probe.scores.at(-1)!);
        const expected = select === 'best' ? Math.max(...finalScores) : finalScores[0]!;
        expect(plan.objectiveValue).toBeCloseTo(expected, 4);
        agent.dispose();
      }
    });
  });

  describe('guidance', () => {
    it('pulls the plan toward the goal (closed-form Gaussian-prior model, same seed, any sign error fails)', () => {
      const gaussian = new GaussianPriorModel();
      const goal = [2.5, -1.5];
      const meanDistance = (scale: number, samples: number) => {
        const agent = agentFor(gaussian, {
          guidanceScale: scale,
          mcgSamples: samples,
          samplingSteps: 10,
          warmStepsLeft: 3,
        });
        agent.reset({ ...start, goal });
        const positions = planPositions(agent.plan().steps);
        agent.dispose();
        return (
          positions.reduce((s, [x, y]) => s + Math.hypot(x - goal[0]!, y - goal[1]!), 0) / positions.length
        );
      };
      // Small scales: far larger ones overshoot the goal within a row (the step is s·g_t·∇J, not a line search).
      for (const samples of [1, 3]) {
        const unguided = meanDistance(0, samples);
        const weak = meanDistance(0.5, samples);
        const guided = meanDistance(1, samples);
        expect(weak).toBeLessThan(unguided);
        expect(guided).toBeLessThan(weak); // stronger guidance, closer
        expect(guided).toBeLessThan(0.75 * unguided);
      }
      gaussian.dispose();
    });

    it('raises the final J of the real network over the unguided plan (same seeds)', () => {
      const finalJ = (scale: number, seed: number) => {
        const agent = agentFor(model, { guidanceScale: scale, seed, samplingSteps: 6, mcgSelect: 'first' });
        agent.reset(start);
        const j = agent.plan().objectiveValue;
        agent.dispose();
        return j;
      };
      for (const seed of [0, 1, 2]) expect(finalJ(2, seed)).toBeGreaterThan(finalJ(0, seed));
    });

    it("takes gradients in 'frozen' mode and restores the model's mode", () => {
      const { model: spy, calls } = recordingModel(model);
      const agent = agentFor(spy);
      agent.reset(start);
      expect(model.gradientMode).toBe('train');
      calls.length = 0;
      agent.plan();
      expect(model.gradientMode).toBe('train');
      expect(calls.some((c) => c.mode === 'frozen')).toBe(true);
      agent.dispose();
    });
  });

  describe('latent', () => {
    it("'posterior' absorbs the executed token [a, r, o]×F at observeLevel, noisy tokens at noisyObserveLevel", () => {
      const { model: spy, calls } = recordingModel(model);
      const agent = agentFor(spy, { latentMode: 'posterior', observeLevel: 7, noisyObserveLevel: 600 });
      agent.reset(start);
      agent.plan();
      calls.length = 0;
      const actions = runToken(agent);
      const steps = calls.filter((c) => c.kind === 'step');
      expect(steps).toHaveLength(1);
      expect(Array.from(steps[0]!.levels)).toEqual([7]);
      const { mean, std } = tinyMazeConfig.normalization;
      const expected = new Float32Array(TOKEN);
      for (let f = 0; f < F; f++) {
        const raw = [actions[f]![0]!, actions[f]![1]!, 0.25, 0.5 + 0.05 * f, 0.5, 0.1, 0];
        for (let k = 0; k < STEP; k++) expected[f * STEP + k] = (raw[k]! - mean[k]!) / std[k]!;
      }
      for (let k = 0; k < TOKEN; k++) expect(steps[0]!.inputs[k]).toBeCloseTo(expected[k]!, 5);
      // The next plan starts from that posterior.
      const zNext = tf.tidy(() =>
        model
          .step(
            tf.tensor2d(steps[0]!.z0, [1, 8]),
            tf.tensor2d(steps[0]!.inputs, [1, TOKEN]),
            tf.tensor1d([7], 'int32'),
          )
          .z.dataSync(),
      );
      calls.length = 0;
      agent.plan();
      const first = calls.find((c) => c.kind === 'rollout')!;
      for (let k = 0; k < 8; k++) expect(first.z0[k]).toBeCloseTo(zNext[k]!, 5);
      calls.length = 0;
      runToken(agent, 0.05, { noisy: true });
      expect(Array.from(calls.find((c) => c.kind === 'step')!.levels)).toEqual([600]);
      agent.dispose();
    });

    it("noisyAbsorb 'noised' diffuses a noisy token to noisyObserveLevel before absorbing it; 'label' does not", () => {
      const absorbed = (noisyAbsorb: 'label' | 'noised', noisy: boolean) => {
        const { model: spy, calls } = recordingModel(model);
        const agent = agentFor(spy, { latentMode: 'posterior', noisyObserveLevel: 600, noisyAbsorb });
        agent.reset(start);
        agent.plan();
        calls.length = 0;
        runToken(agent, 0.05, { noisy });
        const step = calls.find((c) => c.kind === 'step')!;
        agent.dispose();
        return { inputs: Float32Array.from(step.inputs), levels: Array.from(step.levels) };
      };
      const clean = absorbed('label', true);
      const noised = absorbed('noised', true);
      expect(clean.levels).toEqual([600]);
      expect(noised.levels).toEqual([600]);
      // Without the flag, 'noised' changes nothing: clean tokens are never diffused.
      expect(Array.from(absorbed('noised', false).inputs)).toEqual(
        Array.from(absorbed('label', false).inputs),
      );
      // x_k = √ᾱ·x + √(1−ᾱ)·ε: the implied ε looks like unit noise.
      const alphaBar = noiseSchedule(model.config.noise.schedule, model.config.noise.levels).alphaBar[600]!;
      const eps = clean.inputs.map(
        (x, k) => (noised.inputs[k]! - Math.sqrt(alphaBar) * x) / Math.sqrt(1 - alphaBar),
      );
      const mean = eps.reduce((a, b) => a + b, 0) / eps.length;
      const sd = Math.sqrt(eps.reduce((a, b) => a + (b - mean) ** 2, 0) / eps.length);
      expect(Math.abs(mean)).toBeLessThan(0.8);
      expect(sd).toBeGreaterThan(0.5);
      expect(sd).toBeLessThan(1.6);
    });

    it("'reencode' encodes the observation at the token boundary for every plan", () => {
      const { model: spy, calls } = recordingModel(model);
      const agent = agentFor(spy, { latentMode: 'reencode' });
      agent.reset(start);
      calls.length = 0;
      agent.plan();
      runToken(agent, 0.1);
      agent.plan();
      const encodes = calls.filter((c) => c.kind === 'initialLatent');
      expect(encodes).toHaveLength(2);
      const { mean, std } = tinyMazeConfig.normalization;
      const boundary = [0.6, 0.5, 0.1, 0]; // the last observation of the executed token
      for (const [i, v] of boundary.entries()) {
        expect(encodes[1]!.inputs[i]).toBeCloseTo((v - mean[3 + i]!) / std[3 + i]!, 5);
      }
      expect(calls.some((c) => c.kind === 'step')).toBe(false);
      agent.dispose();
    });
  });

  it('a non-finite plan is a PlanningError; the agent stays usable', () => {
    const gaussian = new GaussianPriorModel();
    const agent = agentFor(gaussian);
    agent.reset(start);
    gaussian.poisoned = true;
    expect(() => agent.plan()).toThrow(PlanningError);
    expect(agent.needsPlan).toBe(true);
    expect(() => agent.act()).toThrow(PlanningError);
    gaussian.poisoned = false;
    const plan = agent.plan();
    expect(plan.warm).toBe(false);
    expect(Array.from(plan.steps).every(Number.isFinite)).toBe(true);
    agent.dispose();
    gaussian.dispose();
  });

  it('dispose frees every tensor the agent made', () => {
    const warmup = agentFor(model, { mcgSamples: 2, latentMode: 'posterior' });
    warmup.reset(start);
    warmup.plan(); // fills the model's own transpose cache (it belongs to the model)
    warmup.dispose();
    const before = tf.memory().numTensors;
    const agent = agentFor(model, { mcgSamples: 2, latentMode: 'posterior' });
    agent.reset(start);
    agent.plan();
    runToken(agent);
    agent.plan();
    expect(tf.memory().numTensors).toBeGreaterThan(before); // the posterior latent is alive
    agent.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps tf.memory().numTensors constant over a 1,000-tick run', () => {
    const agent = agentFor(model, {
      horizonTokens: 3,
      samplingSteps: 2,
      warmStepsLeft: 1,
      warmRows: 2,
      mcgSamples: 2,
      latentMode: 'posterior',
    });
    let counted = -1;
    for (let tick = 0; tick < 1000; tick++) {
      if (tick % 100 === 0) agent.reset({ ...start, stepsRemaining: 100 });
      if (agent.needsPlan) agent.plan();
      agent.act();
      agent.observe([0.5 + 0.001 * tick, 0.5, 0, 0], 0, tick % 7 === 0 ? { noisy: true } : {});
      if (tick === 20) counted = tf.memory().numTensors;
    }
    expect(agent.status.plans).toBeGreaterThan(40);
    expect(tf.memory().numTensors).toBe(counted);
    agent.dispose();
  });

  it('accepts the plan-level defaults on a model with K levels', () => {
    const agent = createAgent(model, bounds);
    expect(agent.config).toEqual(defaultPlannerConfig);
    expect(ddimLevels(agent.config.samplingSteps)).toHaveLength(agent.config.samplingSteps + 1);
    agent.dispose();
  });
});
