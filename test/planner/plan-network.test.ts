/**
 * planNetwork 'plain' (Float32Array network, tfjs only for ∂J/∂x̂₀) against 'tfjs' on the same model, rows
 * and noise stream: whole plans (denoisePlan) for every objective kind, η = 0 and η > 0, guided and not, MCG
 * batches; agent ticks (cold, then warm with the executed token absorbed); no tensors left behind.
 * Tolerance: both paths compute in float32 with different sum orders (≈1e-7 relative per op, see
 * test/model/plain-network.test.ts); a plan compounds that over its rows, hence 1e-5 relative to the plan's
 * largest value (untrained ε and v models reach |x̂₀| ~ 10³ through the 1/√ᾱ factor). Guided cases use a large
 * scale (50) so that guidance moves the plan by far more than the tolerance.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamplerContext } from '../../src/diffusion/sampler.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import {
  createRng,
  matrixTransitions,
  noiseSchedule,
  schedulingMatrix,
  stabilizationLevel,
} from '../../src/math/index.js';
import type { DfModel, Objective } from '../../src/model/index.js';
import { goalReaching, type ObjectiveContext } from '../../src/objectives/index.js';
import { denoisePlan } from '../../src/planner/denoise-plan.js';
import { createAgent, defaultPlannerConfig, type PlannerConfig } from '../../src/planner/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { GaussianPriorModel, makeTinyMazeModel, TOKEN, tinyMazeLayout } from './planner-fixtures.js';

const schedule = noiseSchedule('linear', 1000);
const S = 4;
const H = 6;
const RELATIVE = 1e-5;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

describe("planNetwork 'plain'", () => {
  const models = new Map<Objective, DfModel>();
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    for (const objective of ['x0', 'eps', 'v'] as const)
      models.set(objective, makeTinyMazeModel({ objective }));
  });
  afterAll(() => {
    for (const m of models.values()) m.dispose();
  });

  function runPlan(
    model: DfModel,
    planNetwork: 'tfjs' | 'plain',
    batch: number,
    eta: number,
    scale: number,
    mode: 'label' | 'scale' = 'label',
    gradient: 'plain' | 'tf.grad' = 'plain',
  ) {
    const matrix = schedulingMatrix({ mode: 'pyramid', steps: S, horizon: H, uncertainty: 1 });
    const x = tf.tensor3d(createRng(21).fillNormal(new Float32Array(H * batch * TOKEN)), [H, batch, TOKEN]);
    const z0 = tf.tensor2d(createRng(22).fillNormal(new Float32Array(batch * 8)), [batch, 8]);
    const objectiveContext: ObjectiveContext = {
      layout: tinyMazeLayout,
      normalization: model.config.normalization,
      goal: [2, -1],
      stepMask: new Float32Array(H * tinyMazeLayout.frameStack).fill(1),
      episodeSteps: 24,
    };
    const context: SamplerContext = {
      model,
      schedule,
      objective: model.config.objective,
      z0,
      horizon: H,
      batch,
      tokenSize: TOKEN,
      eta,
      rng: createRng(5),
      clipNoise: 20,
      stabilizationLevel: stabilizationLevel(S, 1000),
      stabilizationMode: mode,
    };
    const previous = model.gradientMode;
    model.setGradientMode('frozen');
    try {
      const plan = denoisePlan({
        context,
        transitions: matrixTransitions(matrix),
        x,
        guidanceScale: scale,
        score: (x0Hat) => goalReaching.score(x0Hat, objectiveContext),
        plainGradient:
          gradient === 'plain'
            ? (plan, h, b, weight, from, grad) =>
                goalReaching.plain!.gradient(plan, h, b, objectiveContext, weight, from, grad)
            : null,
        planNetwork,
      });
      const tokens = plan.x0Hat.dataSync() as Float32Array;
      plan.x0Hat.dispose();
      return { ...plan, x0Hat: null, tokens };
    } finally {
      model.setGradientMode(previous);
      tf.dispose([x, z0]);
    }
  }

  for (const objective of ['x0', 'eps', 'v'] as const) {
    for (const [eta, scale, batch] of [
      [0, 50, 1],
      [0.5, 50, 3],
      [0, 0, 2],
    ] as const) {
      it(`denoisePlan (${objective}, η = ${eta}, scale ${scale}, B = ${batch}) equals the tfjs rows`, () => {
        const model = models.get(objective)!;
        const reference = runPlan(model, 'tfjs', batch, eta, scale);
        const before = tf.memory().numTensors;
        const plain = runPlan(model, 'plain', batch, eta, scale);
        expect(tf.memory().numTensors).toBe(before);
        expect(plain.rows).toBe(reference.rows);
        expect(plain.guidedRows).toBe(reference.guidedRows);
        expect(plain.cellCalls).toBe(reference.cellCalls);
        expect(Array.from(plain.finalLevels)).toEqual(Array.from(reference.finalLevels));
        const difference = maxAbsDiff(plain.tokens, reference.tokens);
        expect(difference).toBeLessThan(RELATIVE * maxAbs(reference.tokens));
        if (scale > 0) {
          expect(plain.guidedRows).toBeGreaterThan(0);
          // Guidance moved the plan far more than the two paths differ: the gradient path is compared too.
          const unguided = runPlan(model, 'plain', batch, eta, 0);
          expect(maxAbsDiff(plain.tokens, unguided.tokens)).toBeGreaterThan(1000 * difference);
        }
      });
    }
  }

  it('takes ∂J/∂x̂₀ from tf.grad for an objective without a plain form, with the same plan', () => {
    const model = models.get('x0')!;
    const reference = runPlan(model, 'tfjs', 3, 0.5, 50);
    const fallback = runPlan(model, 'plain', 3, 0.5, 50, 'label', 'tf.grad');
    const plain = runPlan(model, 'plain', 3, 0.5, 50);
    expect(maxAbsDiff(fallback.tokens, reference.tokens)).toBeLessThan(RELATIVE * maxAbs(reference.tokens));
    expect(maxAbsDiff(fallback.tokens, plain.tokens)).toBeLessThan(RELATIVE * maxAbs(reference.tokens));
  });

  it("refuses stabilisation modes other than 'label' with a ConfigError", () => {
    expect(() => runPlan(models.get('x0')!, 'plain', 1, 0, 50, 'scale')).toThrow(ConfigError);
  });

  it('is the default, and a model that is not the standard network is refused when the agent is made', () => {
    expect(defaultPlannerConfig.planNetwork).toBe('plain');
    const prior = new GaussianPriorModel();
    try {
      const make = (planNetwork: 'tfjs' | 'plain') =>
        createAgent(prior, { config: { planNetwork }, actionLow: [-1, -1], actionHigh: [1, 1] });
      expect(() => make('plain')).toThrow(ConfigError);
      expect(() => make('plain')).toThrow(/planNetwork 'tfjs'/);
      const agent = make('tfjs');
      expect(() => agent.updateConfig({ planNetwork: 'plain' })).toThrow(ConfigError);
      expect(agent.config.planNetwork).toBe('tfjs');
      agent.dispose();
    } finally {
      prior.dispose();
    }
  });

  for (const mcgSamples of [1, 4]) {
    it(`agent ticks (cold, then warm; MCG ${mcgSamples}) equal the tfjs agent's, without leaking tensors`, () => {
      const model = models.get('x0')!;
      const settings: Partial<PlannerConfig> = {
        horizonTokens: 5,
        samplingSteps: 5,
        warmStepsLeft: 2,
        warmRows: 3,
        guidanceScale: 20,
        mcgSamples,
        seed: 3,
      };
      const make = (planNetwork: 'tfjs' | 'plain') =>
        createAgent(model, { config: { ...settings, planNetwork }, actionLow: [-1, -1], actionHigh: [1, 1] });
      const agents = [make('tfjs'), make('plain')] as const;
      try {
        for (const agent of agents) {
          agent.reset({ observation: [0.5, 0.5, 0, 0], goal: [2.5, 1.5], stepsRemaining: 40 });
        }
        let tensors = -1;
        for (let tick = 0; tick < 4; tick++) {
          const [a, b] = agents.map((agent) => agent.plan());
          expect(b!.warm).toBe(a!.warm);
          expect(b!.rows).toBe(a!.rows);
          expect(b!.cellCalls).toBe(a!.cellCalls);
          expect(maxAbsDiff(b!.steps, a!.steps)).toBeLessThan(RELATIVE * maxAbs(a!.steps));
          expect(Math.abs(b!.objectiveValue - a!.objectiveValue)).toBeLessThan(
            RELATIVE * Math.abs(a!.objectiveValue),
          );
          // Both execute the tfjs plan's actions, so the two episodes stay in lockstep.
          for (let f = 0; f < tinyMazeLayout.frameStack; f++) {
            const action = agents[0].act();
            agents[1].act();
            const obs = [0.5 + 0.1 * tick, 0.5 - 0.05 * f, 0.1, -0.1];
            for (const agent of agents) agent.observe(obs, 0, { action });
          }
          if (tick === 1) tensors = tf.memory().numTensors;
          if (tick > 1) expect(tf.memory().numTensors).toBe(tensors);
        }
      } finally {
        for (const agent of agents) agent.dispose();
      }
    });
  }
});
