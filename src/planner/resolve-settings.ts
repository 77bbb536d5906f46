/**
 * The planner settings a model runs with: `defaultPlannerConfig` < the `planner` block of the model's
 * provenance in model.json (a shipped model carries its tuned settings, written by `df-planner eval
 * --save-planner`) < explicit overrides (command-line flags). Shared by `df-planner eval` and `bench plan`, so
 * the bench times exactly the settings eval runs; I/O-free (the caller reads the file and passes the block).
 *
 * Only the block's shape is checked here (keys are PlannerConfig fields, values of the defaults' types); value
 * ranges are the agent's to check (createAgent → ConfigError, which `explainConfigError` annotates with where
 * each setting came from).
 */
import { ConfigError, type ConfigIssue, ModelFileError } from '../errors.js';
import type { PlannerConfig } from './types.js';

export type SettingSource = 'default' | 'model' | 'flag';

export interface ResolvedPlannerConfig {
  readonly config: PlannerConfig;
  /** Where each field's value came from. */
  readonly sources: Readonly<Record<keyof PlannerConfig, SettingSource>>;
}

/**
 * defaults < model block < flags (see the header). The model block must be an object whose keys are
 * PlannerConfig fields with values of the defaults' types (ModelFileError naming `modelFile` otherwise); its
 * `seed` is ignored (a run's noise seed is the caller's). An absent (undefined or null) block leaves the defaults.
 */
export function resolvePlannerSettings(
  defaults: PlannerConfig,
  modelBlock: unknown,
  modelFile: string,
  flags: Partial<PlannerConfig>,
): ResolvedPlannerConfig {
  const config: Record<string, unknown> = { ...defaults };
  const sources = Object.fromEntries(Object.keys(defaults).map((k) => [k, 'default'])) as Record<
    keyof PlannerConfig,
    SettingSource
  >;
  if (modelBlock !== undefined && modelBlock !== null) {
    if (typeof modelBlock !== 'object' || Array.isArray(modelBlock)) {
      throw new ModelFileError(
        modelFile,
        `provenance.planner must be an object of planner settings (e.g. {"guidanceScale": 10}), got ${JSON.stringify(modelBlock)}; fix or remove it`,
      );
    }
    const issues: string[] = [];
    for (const [key, value] of Object.entries(modelBlock)) {
      if (key === 'seed') continue;
      if (!(key in defaults)) {
        issues.push(`unknown setting '${key}' (known: ${Object.keys(defaults).join(', ')})`);
      } else if (typeof value !== typeof defaults[key as keyof PlannerConfig]) {
        issues.push(
          `'${key}' is ${JSON.stringify(value)}, expected a ${typeof defaults[key as keyof PlannerConfig]}`,
        );
      } else {
        config[key] = value;
        sources[key as keyof PlannerConfig] = 'model';
      }
    }
    if (issues.length > 0) {
      throw new ModelFileError(
        modelFile,
        `provenance.planner: ${issues.join('; ')}; fix the block or override the setting with its flag`,
      );
    }
  }
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    config[key] = value;
    sources[key as keyof PlannerConfig] = 'flag';
  }
  return { config: config as unknown as PlannerConfig, sources };
}

/** Turns a ConfigError from the agent into one that says which settings came from where. */
export function explainConfigError(
  err: unknown,
  resolved: ResolvedPlannerConfig,
  modelFile: string,
): unknown {
  if (!(err instanceof ConfigError)) return err;
  const from = (src: SettingSource) =>
    Object.entries(resolved.sources)
      .filter(([k, s]) => s === src && k !== 'seed')
      .map(([k]) => k);
  const notes = [
    from('model').length > 0 ? `from ${modelFile} provenance.planner: ${from('model').join(', ')}` : '',
    from('flag').length > 0 ? `from flags: ${from('flag').join(', ')}` : '',
  ].filter((s) => s !== '');
  if (notes.length === 0) return err;
  const issues: ConfigIssue[] = [...err.issues, { path: '', message: `(settings ${notes.join('; ')})` }];
  return new ConfigError(issues);
}
