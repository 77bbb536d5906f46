/**
 * The batch split across two threads (plain-network-split.ts, plain-network-helper.ts): agent plans with the
 * helper thread equal plans on one thread bit for bit (every sample's arithmetic is the same in any batch),
 * for odd and even MCG batches, guided and unguided, x0 and ε models; and the helper really ran (its FLOP
 * counter moved).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import type { DfModel } from '../../src/model/index.js';
import { plainNetworkFor } from '../../src/model/plain-network.js';
import { awaitNetworkHelper, helperFlops, setPlainThreads } from '../../src/model/plain-network-helper.js';
import { createAgent, type PlannerConfig } from '../../src/planner/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyMazeModel, tinyMazeLayout } from '../planner/planner-fixtures.js';

function ticks(model: DfModel, settings: Partial<PlannerConfig>, threads: 1 | 2) {
  setPlainThreads(threads);
  const agent = createAgent(model, {
    config: {
      planNetwork: 'plain',
      horizonTokens: 5,
      samplingSteps: 5,
      warmRows: 3,
      warmStepsLeft: 2,
      seed: 4,
      ...settings,
    },
    actionLow: [-1, -1],
    actionHigh: [1, 1],
  });
  try {
    agent.reset({ observation: [0.5, 0.5, 0, 0], goal: [2.5, 1.5], stepsRemaining: 40 });
    const plans: { steps: number[]; value: number }[] = [];
    for (let tick = 0; tick < 3; tick++) {
      const plan = agent.plan();
      plans.push({ steps: Array.from(plan.steps), value: plan.objectiveValue });
      for (let f = 0; f < tinyMazeLayout.frameStack; f++) {
        agent.act();
        agent.observe([0.5 + 0.1 * tick, 0.5 - 0.05 * f, 0.1, -0.1], 0);
      }
    }
    return plans;
  } finally {
    agent.dispose();
    setPlainThreads(2);
  }
}

describe('plain network on two threads', () => {
  const models: DfModel[] = [];
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    models.push(makeTinyMazeModel({ objective: 'x0' }), makeTinyMazeModel({ objective: 'eps' }));
    setPlainThreads(2);
    expect(await awaitNetworkHelper()).toBe(true);
  }, 30_000);
  afterAll(() => {
    for (const m of models) m.dispose();
  });

  for (const [mcgSamples, guidanceScale, objective] of [
    [4, 20, 0],
    [3, 20, 1],
    [5, 0, 0],
  ] as const) {
    it(`plans equal the one-thread plans bit for bit (MCG ${mcgSamples}, scale ${guidanceScale}, ${objective === 0 ? 'x0' : 'ε'})`, async () => {
      const model = models[objective]!;
      // The helper loads a network in the background; until it has, the caller plans alone.
      expect(await awaitNetworkHelper(20_000, plainNetworkFor(model))).toBe(true);
      const settings = { mcgSamples, guidanceScale, warmStart: true };
      const single = ticks(model, settings, 1);
      const flops = helperFlops();
      const split = ticks(model, settings, 2);
      expect(helperFlops()).toBeGreaterThan(flops);
      expect(split).toEqual(single);
    });
  }
});
