import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { defaultPlannerConfig, resolvePlannerConfig } from '../../src/planner/index.js';

function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('planner config', () => {
  it('the defaults are valid and frozen', () => {
    const config = resolvePlannerConfig(defaultPlannerConfig, {}, 1000);
    expect(config).toEqual(defaultPlannerConfig);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(defaultPlannerConfig)).toBe(true);
  });

  it('applies changes over the base', () => {
    const config = resolvePlannerConfig(defaultPlannerConfig, { guidanceScale: 10, mcgSamples: 8 }, 1000);
    expect(config.guidanceScale).toBe(10);
    expect(config.mcgSamples).toBe(8);
    expect(config.samplingSteps).toBe(defaultPlannerConfig.samplingSteps);
  });

  it('names every bad field at once', () => {
    const issues = issuesOf(() =>
      resolvePlannerConfig(
        defaultPlannerConfig,
        {
          horizonTokens: 0,
          samplingSteps: 2.5,
          scheduleMode: 'zigzag' as never,
          uncertainty: -1,
          eta: 2,
          guidanceScale: Number.NaN,
          objective: 'goal',
          mcgSamples: 0,
          mcgSelect: 'worst' as never,
          warmStart: 'yes' as never,
          latentMode: 'memory' as never,
          observeLevel: 1000,
          noisyObserveLevel: -1,
          noisyAbsorb: 'blur' as never,
          seed: 0.5,
          flexibleHorizon: 1 as never,
        },
        1000,
      ),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'horizonTokens',
        'samplingSteps',
        'scheduleMode',
        'uncertainty',
        'eta',
        'guidanceScale',
        'objective',
        'mcgSamples',
        'mcgSelect',
        'warmStart',
        'latentMode',
        'observeLevel',
        'noisyObserveLevel',
        'noisyAbsorb',
        'seed',
        'flexibleHorizon',
      ].sort(),
    );
    expect(issues.find((i) => i.path === 'objective')!.message).toMatch(/goal_reaching, reward_sum/);
  });

  it('refuses unknown settings, naming the valid ones', () => {
    const issues = issuesOf(() => resolvePlannerConfig(defaultPlannerConfig, { horizon: 5 } as never, 1000));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('horizon');
    expect(issues[0]!.message).toMatch(/horizonTokens/);
  });

  it('ties the warm-start settings to S: warmStepsLeft ≤ S and warmRows ≥ warmStepsLeft', () => {
    expect(
      issuesOf(() =>
        resolvePlannerConfig(defaultPlannerConfig, { samplingSteps: 5, warmStepsLeft: 6 }, 1000),
      )[0]!.path,
    ).toBe('warmStepsLeft');
    const rows = issuesOf(() =>
      resolvePlannerConfig(defaultPlannerConfig, { warmStepsLeft: 4, warmRows: 3 }, 1000),
    );
    expect(rows.map((i) => i.path)).toEqual(['warmRows']);
    expect(rows[0]!.message).toMatch(/token 0 ends clean/);
  });

  it('checks levels against the model: S ≤ K and observe levels < K', () => {
    const issues = issuesOf(() =>
      resolvePlannerConfig(
        defaultPlannerConfig,
        { samplingSteps: 200, warmStepsLeft: 1, observeLevel: 100 },
        100,
      ),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['noisyObserveLevel', 'observeLevel', 'samplingSteps']);
  });
});
