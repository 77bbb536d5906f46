/**
 * The declaration table: one row per node parameter (ROS name, camelCase key, type, default, range/choices,
 * description, dynamic|static). Everything else is generated from it: the ParamSpecs the transport declares,
 * validation of values and params files, the typed config object and the README table.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { checkParamSpec, checkParamValue, coerceRawValue, formatParamValue } from './check-value.js';
import { didYouMean } from './closest-name.js';
import type { ParamSpec, ParamType, ParamValue, RawParamValue, ValueOfType } from './types.js';

export interface ParamDecl {
  /** ROS name, snake_case, dots for groups: `control_frequency`, `planner.num_samples`. */
  readonly name: string;
  /** camelCase key of the config object, with units: `controlFrequencyHz`. */
  readonly key: string;
  readonly type: ParamType;
  readonly default: ParamValue;
  readonly description: string;
  /** `dynamic`: may change at runtime (applied between control steps); `static`: read-only after declaration. */
  readonly mode: 'dynamic' | 'static';
  readonly range?: readonly [number, number];
  readonly choices?: readonly string[];
  /** Shown in the README table, e.g. `Hz`, `s`. */
  readonly unit?: string;
}

export type ParamTable = readonly ParamDecl[];

/** The typed config object of a table declared with `defineParams([...] as const)`. */
export type ConfigOf<T extends ParamTable> = {
  readonly [D in T[number] as D['key']]: ValueOfType<D['type']>;
};

/** Names the transports declare themselves; allowed in params files without a table row. */
export const TRANSPORT_PARAMS: readonly string[] = ['use_sim_time'];

const NAME_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const KEY_RE = /^[a-z][A-Za-z0-9]*$/;

/** The ParamSpec of one declaration (static → readOnly). */
export function paramSpec(d: ParamDecl): ParamSpec {
  return {
    type: d.type,
    default: d.default,
    description: d.unit ? `${d.description} [${d.unit}]` : d.description,
    readOnly: d.mode === 'static',
    ...(d.range ? { range: d.range } : {}),
    ...(d.choices ? { choices: d.choices } : {}),
  };
}

/**
 * Check a table (names snake_case and unique, keys camelCase and unique, defaults valid) and return it
 * unchanged, keeping its literal types for `ConfigOf`. Throws ConfigError with every issue.
 */
export function defineParams<const T extends ParamTable>(table: T): T {
  const issues: ConfigIssue[] = [];
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const d of table) {
    if (!NAME_RE.test(d.name)) {
      issues.push({ path: d.name, message: 'ROS parameter names are snake_case, dot-separated groups' });
    }
    if (!KEY_RE.test(d.key)) issues.push({ path: d.name, message: `key '${d.key}' must be camelCase` });
    if (names.has(d.name)) issues.push({ path: d.name, message: 'declared twice' });
    if (keys.has(d.key)) issues.push({ path: d.name, message: `key '${d.key}' used twice` });
    if (!d.description) issues.push({ path: d.name, message: 'needs a description' });
    names.add(d.name);
    keys.add(d.key);
    for (const p of checkParamSpec(d.name, paramSpec(d))) issues.push({ path: d.name, message: p });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return table;
}

/** Something parameters can be declared on (a `Transport`). */
export interface ParamHost {
  declare(name: string, spec: ParamSpec): ParamValue;
}

/**
 * Declare every parameter of `table` on `host` and return the config object (camelCase keys). Each declare
 * applies argv / params-file overrides; all refusals are gathered into one ConfigError.
 */
export function declareParams<const T extends ParamTable>(host: ParamHost, table: T): ConfigOf<T> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, ParamValue> = {};
  for (const d of table) {
    try {
      out[d.key] = host.declare(d.name, paramSpec(d));
    } catch (err) {
      if (err instanceof ConfigError)
        issues.push(...err.issues.map((i) => ({ path: i.path || d.name, message: i.message })));
      else throw err;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out as ConfigOf<T>;
}

/** The config keys changed by a set of parameter changes (ROS names → camelCase; unknown names ignored). */
export function configPatch<const T extends ParamTable>(
  table: T,
  changes: Readonly<Record<string, ParamValue>>,
): Partial<ConfigOf<T>> {
  const out: Record<string, ParamValue> = {};
  for (const d of table) if (Object.hasOwn(changes, d.name)) out[d.key] = changes[d.name]!;
  return out as Partial<ConfigOf<T>>;
}

/** ` (did you mean '…'?)` for a name the table does not declare, or ''. */
function suggest(table: ParamTable, name: string): string {
  return didYouMean(
    name,
    table.map((d) => d.name),
  );
}

/**
 * Validate runtime values keyed by ROS name (e.g. a `setParams` request) against the table. Returns every issue:
 * unknown names, static parameters, wrong types, ranges, choices.
 */
export function validateParams(
  table: ParamTable,
  values: Readonly<Record<string, unknown>>,
  options: { runtime?: boolean } = {},
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byName = new Map(table.map((d) => [d.name, d]));
  for (const [name, value] of Object.entries(values)) {
    const d = byName.get(name);
    if (!d) {
      if (!TRANSPORT_PARAMS.includes(name))
        issues.push({ path: name, message: `unknown parameter${suggest(table, name)}` });
      continue;
    }
    if (options.runtime && d.mode === 'static') {
      issues.push({
        path: name,
        message: 'is static (read-only after start); set it with -p or a params file and restart',
      });
    }
    for (const p of checkParamValue(name, paramSpec(d), value)) issues.push({ path: name, message: p });
  }
  return issues;
}

/**
 * Validate raw params-file / `-p` values (from `loadParamsFile`) against the table: unknown names (ROS would
 * silently ignore them), the int/double rule, ranges, choices. Returns every issue.
 */
export function validateOverrides(table: ParamTable, raw: ReadonlyMap<string, RawParamValue>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byName = new Map(table.map((d) => [d.name, d]));
  for (const [name, value] of raw) {
    const d = byName.get(name);
    if (!d) {
      if (!TRANSPORT_PARAMS.includes(name))
        issues.push({ path: name, message: `unknown parameter${suggest(table, name)}` });
      continue;
    }
    const r = coerceRawValue(name, paramSpec(d), value);
    if (!r.ok) for (const p of r.problems) issues.push({ path: name, message: p });
  }
  return issues;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A markdown table of the parameters (for the README), in table order. */
export function paramsMarkdown(table: ParamTable): string {
  const rows = [
    '| Parameter | Type | Default | Range / choices | Dynamic | Description |',
    '|---|---|---|---|---|---|',
  ];
  for (const d of table) {
    const limits = d.range
      ? `[${d.range[0]}, ${d.range[1]}]`
      : d.choices
        ? d.choices.map((c) => `\`${c}\``).join(', ')
        : '';
    const def = `\`${formatParamValue(d.type, d.default)}\``;
    const desc = d.unit ? `${d.description} (${d.unit})` : d.description;
    rows.push(
      `| \`${d.name}\` | ${d.type} | ${cell(def)} | ${cell(limits)} | ${d.mode === 'dynamic' ? 'yes' : 'no'} | ${cell(desc)} |`,
    );
  }
  return `${rows.join('\n')}\n`;
}
