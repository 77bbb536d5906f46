/**
 * Planner settings: the defaults and the one validation every entry point (createAgent, updateConfig) uses.
 * A bad config is refused as a whole with a ConfigError naming every bad field; nothing is corrected quietly.
 *
 * Defaults follow the measured leads of the maze prototype (reference maze-prototype.md) where the paper is
 * silent or its numbers do not fit a CPU budget: S = 10 DDIM steps (S = 20 scored no better), guidance scale 3,
 * warm start with 3 steps left on token 0 and 10 rows, the latent re-encoded from the current observation
 * (the released maze code's choice; a posterior absorbed at k = 19 was on par, k = 0 worse), MCG off.
 * Plan rows run on the Float32Array copy of the network ('plain': same results to float rounding, ~15× less CPU
 * per warm guided tick than 'tfjs', `df-planner bench plan`); 'tfjs' stays for models that are not the standard
 * network.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { scheduleModes } from '../math/index.js';
import { objectiveNames } from '../objectives/index.js';
import type { PlannerConfig } from './types.js';

export const defaultPlannerConfig: PlannerConfig = Object.freeze({
  horizonTokens: 60,
  flexibleHorizon: true,
  samplingSteps: 10,
  scheduleMode: 'pyramid',
  uncertainty: 1,
  eta: 0,
  guidanceScale: 3,
  objective: 'goal_reaching',
  mcgSamples: 1,
  mcgSelect: 'best',
  warmStart: true,
  warmStepsLeft: 3,
  warmRows: 10,
  latentMode: 'reencode',
  observeLevel: 19,
  noisyObserveLevel: 500,
  actionSource: 'diffused',
  trackKp: 10,
  trackKd: 1,
  planNetwork: 'plain',
  seed: 0,
});

/** Upper bounds that keep one plan within what a controller can run (and typed arrays within memory). */
export const MAX_HORIZON_TOKENS = 1000;
export const MAX_MCG_SAMPLES = 256;
export const MAX_WARM_ROWS = 10_000;

const keys = Object.keys(defaultPlannerConfig) as (keyof PlannerConfig)[];

/**
 * Merges `changes` into `base` and checks the result against the model's diffusion levels K (`levels`).
 * Returns the frozen merged config; ConfigError listing every bad field otherwise.
 */
export function resolvePlannerConfig(
  base: PlannerConfig,
  changes: Partial<PlannerConfig> | undefined,
  levels: number,
): PlannerConfig {
  const issues: ConfigIssue[] = [];
  const input: unknown = changes ?? {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(`planner settings must be an object of named fields, got ${describe(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!(keys as string[]).includes(key)) {
      issues.push({ path: key, message: `unknown planner setting; valid settings: ${keys.join(', ')}` });
    }
  }
  const c = { ...base, ...(input as Partial<PlannerConfig>) } as PlannerConfig;

  const whole = (key: keyof PlannerConfig, min: number, max: number, hint = ''): void => {
    const v: unknown = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      issues.push({
        path: key,
        message: `must be a whole number from ${min} to ${max}${hint}, got ${describe(v)}`,
      });
    }
  };
  const flag = (key: keyof PlannerConfig): void => {
    if (typeof c[key] !== 'boolean')
      issues.push({ path: key, message: `must be true or false, got ${describe(c[key])}` });
  };
  const oneOf = (key: keyof PlannerConfig, values: readonly string[]): void => {
    if (!values.includes(c[key] as string)) {
      issues.push({ path: key, message: `must be one of ${values.join(', ')}, got ${describe(c[key])}` });
    }
  };

  whole('horizonTokens', 1, MAX_HORIZON_TOKENS);
  flag('flexibleHorizon');
  whole('samplingSteps', 1, levels, ` (the model's ${levels} diffusion levels)`);
  oneOf('scheduleMode', scheduleModes);
  if (!(typeof c.uncertainty === 'number' && Number.isFinite(c.uncertainty) && c.uncertainty >= 0)) {
    issues.push({
      path: 'uncertainty',
      message: `must be a finite number ≥ 0 (pyramid delay u; 1 = paper default), got ${describe(c.uncertainty)}`,
    });
  }
  if (!(typeof c.eta === 'number' && c.eta >= 0 && c.eta <= 1)) {
    issues.push({
      path: 'eta',
      message: `must be in [0, 1] (0 = deterministic DDIM), got ${describe(c.eta)}`,
    });
  }
  if (!(typeof c.guidanceScale === 'number' && Number.isFinite(c.guidanceScale) && c.guidanceScale >= 0)) {
    issues.push({
      path: 'guidanceScale',
      message: `must be a finite number ≥ 0 (0 = unguided), got ${describe(c.guidanceScale)}`,
    });
  }
  oneOf('objective', objectiveNames());
  whole('mcgSamples', 1, MAX_MCG_SAMPLES, ' (1 = Monte Carlo guidance off)');
  oneOf('mcgSelect', ['first', 'best']);
  flag('warmStart');
  const stepsOk = Number.isInteger(c.samplingSteps) && c.samplingSteps >= 1 && c.samplingSteps <= levels;
  whole('warmStepsLeft', 1, stepsOk ? c.samplingSteps : levels, stepsOk ? ' (samplingSteps)' : '');
  if (Number.isInteger(c.warmStepsLeft) && c.warmStepsLeft >= 1) {
    whole('warmRows', c.warmStepsLeft, MAX_WARM_ROWS, ' (at least warmStepsLeft, so token 0 ends clean)');
  } else {
    whole('warmRows', 1, MAX_WARM_ROWS);
  }
  oneOf('latentMode', ['posterior', 'reencode']);
  whole('observeLevel', 0, levels - 1, ' (0 = clean)');
  whole('noisyObserveLevel', 0, levels - 1);
  oneOf('actionSource', ['diffused', 'feedback', 'track']);
  for (const key of ['trackKp', 'trackKd'] as const) {
    const v: unknown = c[key];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      issues.push({ path: key, message: `must be a finite number ≥ 0, got ${describe(v)}` });
    }
  }
  oneOf('planNetwork', ['tfjs', 'plain']);
  if (!(typeof c.seed === 'number' && Number.isSafeInteger(c.seed))) {
    issues.push({
      path: 'seed',
      message: `must be a whole number (a safe integer), got ${describe(c.seed)}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(c);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  return String(value);
}
