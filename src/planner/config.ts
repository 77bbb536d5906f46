/**
 * Planner settings: the defaults and the one validation every entry point (createAgent, updateConfig) uses.
 * Both come from the declaration in ./settings.ts (which also makes the node's parameters and eval's flags).
 * A bad config is refused as a whole with a ConfigError naming every bad field; nothing is corrected quietly.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { objectiveNames } from '../objectives/index.js';
import { PLANNER_SETTINGS } from './settings.js';
import type { PlannerConfig } from './types.js';

export const defaultPlannerConfig: PlannerConfig = Object.freeze(
  Object.fromEntries(PLANNER_SETTINGS.map((d) => [d.key, d.default])) as unknown as PlannerConfig,
);

const keys = PLANNER_SETTINGS.map((d) => d.key as string);

/**
 * Merges `changes` into `base` and checks the result against the declared limits and the model's diffusion
 * levels K (`levels`). Returns the frozen merged config; ConfigError listing every bad field otherwise.
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
    if (!keys.includes(key)) {
      issues.push({ path: key, message: `unknown planner setting; valid settings: ${keys.join(', ')}` });
    }
  }
  const c = { ...base, ...(input as Partial<PlannerConfig>) } as PlannerConfig;
  const wholeIn = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;

  // Limits that depend on the model or on another setting: [min, max, why] tighter than the declared range.
  const stepsOk = wholeIn(c.samplingSteps, 1, levels);
  const warmLeftOk = Number.isInteger(c.warmStepsLeft) && c.warmStepsLeft >= 1;
  const tighter: Partial<Record<keyof PlannerConfig, [number, number, string]>> = {
    samplingSteps: [1, levels, ` (the model's ${levels} diffusion levels)`],
    warmStepsLeft: stepsOk ? [1, c.samplingSteps, ' (samplingSteps)'] : [1, levels, ''],
    observeLevel: [0, levels - 1, ' (0 = clean; below the model levels)'],
    noisyObserveLevel: [0, levels - 1, ' (below the model levels)'],
    ...(warmLeftOk
      ? { warmRows: [c.warmStepsLeft, Infinity, ' (at least warmStepsLeft, so token 0 ends clean)'] as const }
      : {}),
  } as Partial<Record<keyof PlannerConfig, [number, number, string]>>;

  for (const d of PLANNER_SETTINGS) {
    const v: unknown = c[d.key];
    if (d.type === 'bool') {
      if (typeof v !== 'boolean')
        issues.push({ path: d.key, message: `must be true or false, got ${describe(v)}` });
    } else if (d.type === 'string') {
      // Objectives are a registry (a task may register its own); the declaration lists the built-in ones.
      const choices: readonly string[] = d.key === 'objective' ? objectiveNames() : d.choices;
      if (!choices.includes(v as string)) {
        issues.push({ path: d.key, message: `must be one of ${choices.join(', ')}, got ${describe(v)}` });
      }
    } else {
      const extra = tighter[d.key];
      const min = Math.max(d.range[0], extra?.[0] ?? -Infinity);
      const max = Math.min(d.range[1], extra?.[1] ?? Infinity);
      const why = extra !== undefined && (extra[0] > d.range[0] || extra[1] < d.range[1]) ? extra[2] : '';
      const whole = d.type === 'int';
      const ok =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (!whole || Number.isInteger(v)) &&
        v >= min &&
        v <= max;
      if (!ok) {
        issues.push({
          path: d.key,
          message: `must be ${whole ? 'a whole number' : 'a finite number'} from ${min} to ${max}${why}, got ${describe(v)}`,
        });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(c);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  return String(value);
}
