/**
 * `df-planner eval`'s planner flags, made from the planner's settings declaration (src/planner/settings.ts):
 * one flag per setting with its range or choices and description (a boolean setting gets an on and an off
 * flag), so `--help` and the parser promise exactly what PlannerConfig accepts.
 */
import { ConfigError } from '../errors.js';
import type { PlannerConfig } from '../planner/index.js';
import { PLANNER_SETTINGS, type PlannerSettingDecl } from '../planner/settings.js';
import type { OptionSpec } from './args.js';

type KindOf<T> = T extends 'int'
  ? 'integer'
  : T extends 'double'
    ? 'number'
    : T extends 'bool'
      ? 'boolean'
      : 'string';
/** A flag without a default (absent = the setting comes from the model or the defaults). */
type FlagSpec<K extends OptionSpec['kind']> = OptionSpec<K> & { default?: undefined; required?: false };

type ValueFlags = {
  [D in PlannerSettingDecl as D['flag'] extends string ? D['flag'] : never]: FlagSpec<KindOf<D['type']>>;
};
type OnFlags = {
  [D in PlannerSettingDecl as D['flag'] extends readonly [infer On extends string, string]
    ? On
    : never]: FlagSpec<'boolean'>;
};
type OffFlags = {
  [D in PlannerSettingDecl as D['flag'] extends readonly [string, infer Off extends string]
    ? Off
    : never]: FlagSpec<'boolean'>;
};
export type PlannerFlagOptions = ValueFlags & OnFlags & OffFlags;

const KIND = { int: 'integer', double: 'number', bool: 'boolean', string: 'string' } as const;

function build(): PlannerFlagOptions {
  const out: Record<string, OptionSpec> = {};
  for (const d of PLANNER_SETTINGS) {
    if (typeof d.flag !== 'string') {
      const [on, off] = d.flag;
      out[on] = { kind: 'boolean', description: `planner: ${d.description}` };
      out[off] = { kind: 'boolean', description: `planner: the opposite of --${on}` };
      continue;
    }
    const spec: OptionSpec = { kind: KIND[d.type], description: `planner: ${d.description}` };
    if ('range' in d) {
      spec.min = d.range[0];
      spec.max = d.range[1];
    }
    if ('choices' in d) spec.choices = d.choices;
    out[d.flag] = spec;
  }
  out['planner-seed']!.description = 'planner: noise seed (default --seed), mixed with each episode index';
  return out as PlannerFlagOptions;
}

export const plannerFlagOptions: PlannerFlagOptions = build();

/** Every planner flag name (they all need --model). */
export const plannerFlagNames: readonly string[] = Object.keys(plannerFlagOptions);

/**
 * The PlannerConfig fields the parsed planner flags set (absent flags leave their field undefined). Passing
 * both flags of a boolean pair is refused.
 */
export function plannerFlagsConfig(opts: Readonly<Record<string, unknown>>): Partial<PlannerConfig> {
  const out: Record<string, unknown> = {};
  for (const d of PLANNER_SETTINGS) {
    if (typeof d.flag === 'string') {
      if (opts[d.flag] !== undefined) out[d.key] = opts[d.flag];
      continue;
    }
    const [on, off] = d.flag;
    if (opts[on] === true && opts[off] === true)
      throw new ConfigError(`pass --${on} or --${off}, not both`, `--${on}`);
    if (opts[on] === true) out[d.key] = true;
    else if (opts[off] === true) out[d.key] = false;
  }
  return out as Partial<PlannerConfig>;
}
