/**
 * Plans made within a token and ahead of their step (issue 14 items 2 and 4): the known-steps inpainting, the
 * replanning period and committed actions, on a small real model (F = 4) with both plan networks.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createRng, noiseSchedule } from '../../src/math/index.js';
import type { DfModel } from '../../src/model/index.js';
import { type Agent, createAgent, type PlannerConfig, planActions } from '../../src/planner/index.js';
import { imposeKnown, knownSteps } from '../../src/planner/known-steps.js';
import { stepCodec } from '../../src/planner/step-codec.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyMazeModel, STEP, tinyMazeConfig, tinyMazeLayout } from './planner-fixtures.js';

const F = 4;
const A = 2;
const D = F * STEP;
const layout = { ...tinyMazeLayout, frameStack: F };
const codec = stepCodec(layout, tinyMazeConfig.normalization);
const bounds = { actionLow: [-1, -1], actionHigh: [1, 1] };
const start = { observation: [0.5, 0.5, 0, 0], goal: [2, 1.5], stepsRemaining: 40, episodeSteps: 40 };
const small: Partial<PlannerConfig> = {
  horizonTokens: 4,
  samplingSteps: 4,
  warmStepsLeft: 2,
  warmRows: 3,
  guidanceScale: 1,
};

let model: DfModel;

function agentFor(config: Partial<PlannerConfig>): Agent {
  return createAgent(model, { config: { ...small, ...config }, ...bounds });
}

/** The observation after step i of a run (a slow drift, different from anything the model predicts). */
function observation(i: number): number[] {
  return [0.5 + 0.03 * i, 0.5 - 0.02 * i, 0.3, -0.2];
}

describe('known steps (inpainting)', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('knows every entry of the observed steps and only the actions of the committed ones', () => {
    expect(
      knownSteps({ codec, frames: F, horizon: 3, observed: new Float32Array(0), committed: [] }),
    ).toBeNull();
    const observed = Float32Array.from({ length: 3 * STEP }, (_, i) => 0.1 * i);
    const known = knownSteps({ codec, frames: F, horizon: 3, observed, committed: [0.4, -0.6, 1, 1] });
    expect(known!.tokens).toBe(2); // 3 observed + 2 committed steps = 5 steps: two tokens of 4
    const mask = Array.from(known!.mask);
    expect(mask.slice(0, 3 * STEP).every((m) => m === 1)).toBe(true);
    // Step 3 and 4: the action entries (0, 1 of the step) only.
    expect(mask.slice(3 * STEP, 4 * STEP)).toEqual([1, 1, 0, 0, 0, 0, 0]);
    expect(mask.slice(4 * STEP, 5 * STEP)).toEqual([1, 1, 0, 0, 0, 0, 0]);
    expect(mask.slice(5 * STEP).every((m) => m === 0)).toBe(true);
    const { mean, std } = tinyMazeConfig.normalization;
    expect(known!.values[3 * STEP]).toBeCloseTo((0.4 - mean[0]!) / std[0]!, 6);
    expect(known!.values[2 * STEP + 4]).toBeCloseTo((observed[2 * STEP + 4]! - mean[4]!) / std[4]!, 6);
  });

  it('replaces the known entries of every sample: exact when clean, q_sample at a level, others untouched', () => {
    const schedule = noiseSchedule('linear', 1000);
    const known = knownSteps({
      codec,
      frames: F,
      horizon: 2,
      observed: new Float32Array(STEP).fill(1),
      committed: [],
    })!;
    const batch = 3;
    const x = new Float32Array(2 * batch * D).fill(7);
    const options = { batch, tokenSize: D, schedule, rng: createRng(1), clipNoise: 20 };
    imposeKnown(x, known, { ...options, levels: [-1, 500] });
    for (let b = 0; b < batch; b++) {
      const row = x.subarray(b * D, (b + 1) * D);
      for (let i = 0; i < STEP; i++) expect(row[i]).toBeCloseTo(known.values[i]!, 6);
      expect(Array.from(row.subarray(STEP)).every((v) => v === 7)).toBe(true);
    }
    const noisy = new Float32Array(2 * batch * D).fill(7);
    imposeKnown(noisy, known, { ...options, levels: [500, 500] });
    const a = Math.sqrt(schedule.alphaBar[500]!);
    // √ᾱ·K + √(1−ᾱ)·w: not the clean value, and a different draw per sample.
    expect(Math.abs(noisy[0]! - a * known.values[0]!)).toBeGreaterThan(0);
    expect(noisy[0]).not.toBe(noisy[D]);
    expect(noisy[STEP]).toBe(7);
  });
});

describe.each(['plain', 'tfjs'] as const)('plans within a token (%s network)', (planNetwork) => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    model = makeTinyMazeModel({ layout });
  });
  afterAll(() => model.dispose());

  it('a plan made within a token keeps the executed steps of that token as they happened', () => {
    const agent = agentFor({ planNetwork });
    agent.reset(start);
    agent.plan();
    const executed: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const action = agent.act();
      agent.observe(observation(i), 0.25);
      executed.push([...action, 0.25, ...observation(i)]);
    }
    const plan = agent.plan();
    for (let j = 0; j < 2; j++) {
      const row = Array.from(plan.steps.subarray(j * STEP, (j + 1) * STEP));
      for (const [k, v] of row.entries()) expect(v).toBeCloseTo(executed[j]![k]!, 4);
    }
    // act() continues at the step the token is at.
    expect(Array.from(agent.act())).toEqual(Array.from(planActions(agent, plan).subarray(2 * A, 3 * A)));
    agent.dispose();
  });

  it('a plan for the next token conditions on the committed actions', () => {
    const plans = [
      [0.9, -0.9, 0.9, -0.9],
      [-0.9, 0.9, -0.9, 0.9],
    ].map((committed) => {
      const agent = agentFor({ planNetwork });
      agent.reset(start);
      agent.plan();
      for (let i = 0; i < 2; i++) {
        agent.act();
        agent.observe(observation(i), 0);
      }
      const plan = agent.plan({ committed });
      const actions = planActions(agent, plan);
      // The committed steps (2 and 3 of the token) carry exactly the committed actions.
      expect(Array.from(actions.subarray(2 * A, 4 * A))).toEqual(committed.map((v) => Math.fround(v)));
      agent.dispose();
      return plan;
    });
    // What follows them (the next token) is planned from them: other committed actions, another plan.
    const next = (i: number) => Array.from(plans[i]!.steps.subarray(F * STEP, 2 * F * STEP));
    const change = next(0).reduce((m, v, k) => Math.max(m, Math.abs(v - next(1)[k]!)), 0);
    expect(change).toBeGreaterThan(1e-3);
  });

  it('refuses committed actions that are not whole finite actions, naming the fix', () => {
    const agent = agentFor({ planNetwork });
    agent.reset(start);
    expect(() => agent.plan({ committed: [0.1, 0.2, 0.3] })).toThrow(/whole actions of 2 numbers/);
    expect(() => agent.plan({ committed: [0.1, Number.NaN] })).toThrow(InputError);
    agent.dispose();
  });

  it('replans every replanPeriod steps from the reset; 0 means once per token', () => {
    const planSteps = (replanPeriod: number) => {
      const agent = agentFor({ planNetwork, replanPeriod, guidanceScale: 0 });
      agent.reset({ ...start, stepsRemaining: 12, episodeSteps: 12 });
      const at: number[] = [];
      for (let s = 0; s < 12; s++) {
        if (agent.needsPlan) {
          agent.plan();
          at.push(s);
        }
        agent.act();
        agent.observe(observation(s), 0);
      }
      agent.dispose();
      return at;
    };
    expect(planSteps(0)).toEqual([0, 4, 8]);
    expect(planSteps(4)).toEqual([0, 4, 8]);
    expect(planSteps(1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(planSteps(3)).toEqual([0, 3, 6, 9]);
    // Longer than a token: the plan goes on into its next token; it is replaced when it runs out (H = 4 tokens).
    expect(planSteps(6)).toEqual([0, 6]);
  });

  it('a plan longer than the period goes on across the boundary with its own next rows', () => {
    const agent = agentFor({ planNetwork, replanPeriod: 8, guidanceScale: 0 });
    agent.reset(start);
    const plan = agent.plan();
    const rows = planActions(agent, plan);
    for (let s = 0; s < 8; s++) {
      expect(agent.needsPlan).toBe(false);
      expect(Array.from(agent.act())).toEqual(Array.from(rows.subarray(s * A, (s + 1) * A)));
      agent.observe(observation(s), 0);
    }
    expect(agent.needsPlan).toBe(true);
    agent.dispose();
  });

  it('keeps tf.memory().numTensors constant when planning every step with committed actions', () => {
    const agent = agentFor({ planNetwork, replanPeriod: 1, mcgSamples: 2 });
    agent.reset(start);
    let counted = -1;
    for (let s = 0; s < 30; s++) {
      if (agent.needsPlan) agent.plan({ committed: [0.2, -0.1] });
      agent.act();
      agent.observe(observation(s), 0);
      if (s === 5) counted = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(counted);
    agent.dispose();
  });
});
