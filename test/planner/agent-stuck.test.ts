/**
 * The agent's stuck-plan recovery (issue 14) on a small real model: tokens whose observed end position misses
 * the plan's prediction start a recovery of `recoveryTokens` plans made with the recovery settings; a robot
 * that moves as planned, or the setting off, never does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import type { DfModel } from '../../src/model/index.js';
import { type Agent, createAgent, type PlannerConfig, type PlanResult } from '../../src/planner/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyMazeModel, STEP } from './planner-fixtures.js';

const F = 2;
const POS = 3;
const base: Partial<PlannerConfig> = {
  horizonTokens: 6,
  samplingSteps: 4,
  guidanceScale: 1,
  warmStart: false,
  planNetwork: 'plain',
};
const stuck: Partial<PlannerConfig> = {
  stuckDistance: 0.2,
  stuckTokens: 2,
  recoveryTokens: 2,
  recoveryHorizon: 3,
  recoveryMcgSamples: 2,
  recoveryGuidanceFactor: 0,
};
const start = { observation: [0.5, 0.5, 0, 0], goal: [2, 1.5], stepsRemaining: 60, episodeSteps: 60 };
const bounds = { actionLow: [-1, -1], actionHigh: [1, 1] };

let model: DfModel;

/**
 * Plans and executes `tokens` tokens. `pinned`: every observation is the start position (a robot held against
 * a wall, far from any plan that moves); otherwise each step's observation is the plan's own prediction.
 */
function drive(agent: Agent, tokens: number, pinned: boolean): PlanResult[] {
  const plans: PlanResult[] = [];
  for (let t = 0; t < tokens; t++) {
    const plan = agent.plan();
    plans.push(plan);
    for (let f = 0; f < F; f++) {
      agent.act();
      const row = f * STEP;
      const position = pinned ? [10, 10] : [plan.steps[row + POS]!, plan.steps[row + POS + 1]!];
      agent.observe([...position, 0, 0], 0);
    }
  }
  return plans;
}

describe('stuck-plan recovery in the agent', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    model = makeTinyMazeModel();
  });
  afterAll(() => model.dispose());

  it('after stuckTokens missed tokens, recoveryTokens plans run with the recovery settings', () => {
    const agent = createAgent(model, { config: { ...base, ...stuck }, ...bounds });
    agent.reset(start);
    const plans = drive(agent, 8, true);
    // Misses after plans 0 and 1 start a recovery (plans 2, 3); the token of the last recovery plan and the
    // next one start another (plans 5, 6).
    expect(plans.map((p) => p.recovery)).toEqual([false, false, true, true, false, true, true, false]);
    expect(plans.map((p) => p.horizonTokens)).toEqual([6, 6, 3, 3, 6, 3, 3, 6]);

    // A recovery plan costs what a plan made with the recovery settings costs (2 MCG samples, unguided).
    const reference = createAgent(model, {
      config: { ...base, horizonTokens: 3, mcgSamples: 2, guidanceScale: 0 },
      ...bounds,
    });
    reference.reset(start);
    expect(plans[2]!.cellCalls).toBe(reference.plan().cellCalls);
    reference.dispose();

    // A reset starts the episode's monitor afresh.
    agent.reset(start);
    expect(drive(agent, 2, true).map((p) => p.recovery)).toEqual([false, false]);
    agent.dispose();
  });

  it('never recovers when the robot moves as planned, or with stuckDistance 0', () => {
    const onPlan = createAgent(model, { config: { ...base, ...stuck }, ...bounds });
    onPlan.reset(start);
    expect(drive(onPlan, 6, false).some((p) => p.recovery)).toBe(false);
    onPlan.dispose();
    const off = createAgent(model, { config: { ...base, ...stuck, stuckDistance: 0 }, ...bounds });
    off.reset(start);
    expect(drive(off, 6, true).some((p) => p.recovery)).toBe(false);
    off.dispose();
  });
});
