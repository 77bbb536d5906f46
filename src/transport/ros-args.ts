/**
 * ROS command-line arguments, as rcl reads them: everything between `--ros-args` and `--` (or the end; several
 * sections allowed); other arguments belong to the program and are ignored here.
 *
 *   -r/--remap [node:]from:=to      topic remap; `__node:=name`, `__ns:=/ns` rename the node
 *   -p/--param [node:]name:=value   parameter override, value parsed as YAML (20 int, 20.0 double)
 *   --params-file file.yaml         ROS 2 params file
 *   --log-level [logger:=]level     debug | info | warn | error | fatal
 *   -e/--enclave, --log-config-file, --log-file-name value; --enable-/--disable- rosout/stdout/external-lib logs
 *
 * Used by the bus (the ROS transport hands argv to rcl, which parses it itself).
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { parseParamText, type RawParamValue } from '../params/index.js';
import type { LogLevel } from './types.js';

export interface Remap {
  /** Only for the node of this name, when given as `node:from:=to`. */
  readonly node?: string;
  readonly from: string;
  readonly to: string;
}

export type ParamSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'param'; readonly node?: string; readonly name: string; readonly value: RawParamValue };

export interface RosArgs {
  readonly remaps: readonly Remap[];
  /** From `-r __node:=name` (or the legacy `__name`). */
  readonly nodeName?: string;
  /** From `-r __ns:=/ns`. */
  readonly namespace?: string;
  /** `--params-file` and `-p`, in argv order (later wins). */
  readonly params: readonly ParamSource[];
  readonly logLevel?: LogLevel;
}

const FLAGS = new Set([
  '--enable-rosout-logs',
  '--disable-rosout-logs',
  '--enable-stdout-logs',
  '--disable-stdout-logs',
  '--enable-external-lib-logs',
  '--disable-external-lib-logs',
]);
const IGNORED_WITH_VALUE = new Set(['-e', '--enclave', '--log-config-file', '--log-file-name']);
const LEVELS: Readonly<Record<string, LogLevel>> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};

const RULE_RE = /^(?:([A-Za-z_]\w*):)?([^:]+):=(.*)$/s;

/** Parse the `--ros-args` sections of `argv`. Throws ConfigError listing every bad argument. */
export function parseRosArgs(argv: readonly string[]): RosArgs {
  const issues: ConfigIssue[] = [];
  const remaps: Remap[] = [];
  const params: ParamSource[] = [];
  let nodeName: string | undefined;
  let namespace: string | undefined;
  let logLevel: LogLevel | undefined;
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--ros-args') {
      inRos = true;
      continue;
    }
    if (!inRos) continue;
    if (arg === '--') {
      inRos = false;
      continue;
    }
    if (FLAGS.has(arg)) continue;
    const takesValue = ['-r', '--remap', '-p', '--param', '--params-file', '--log-level'].includes(arg);
    if (!takesValue && !IGNORED_WITH_VALUE.has(arg)) {
      issues.push({
        path: arg,
        message: 'unknown ROS argument (known: -r, -p, --params-file, --log-level, -e, --enclave)',
      });
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value === '--ros-args' || value === '--') {
      issues.push({ path: arg, message: 'needs a value' });
      continue;
    }
    i++;
    if (IGNORED_WITH_VALUE.has(arg)) continue;
    if (arg === '--params-file') {
      params.push({ kind: 'file', path: value });
      continue;
    }
    if (arg === '--log-level') {
      const level = value.includes(':=') ? value.slice(value.indexOf(':=') + 2) : value;
      const mapped = LEVELS[level.toLowerCase()];
      if (mapped) logLevel = mapped;
      else issues.push({ path: arg, message: `unknown level '${level}' (debug, info, warn, error, fatal)` });
      continue;
    }
    const m = RULE_RE.exec(value);
    if (!m) {
      issues.push({ path: `${arg} ${value}`, message: "expected 'name:=value'" });
      continue;
    }
    const node = m[1];
    const left = m[2]!;
    const right = m[3]!;
    if (arg === '-r' || arg === '--remap') {
      if (left === '__node' || left === '__name') nodeName = right;
      else if (left === '__ns') namespace = right;
      else remaps.push(node ? { node, from: left, to: right } : { from: left, to: right });
    } else {
      try {
        const v = parseParamText(left, right);
        params.push(
          node ? { kind: 'param', node, name: left, value: v } : { kind: 'param', name: left, value: v },
        );
      } catch (err) {
        if (err instanceof ConfigError)
          issues.push(...err.issues.map((x) => ({ path: `-p ${value}`, message: x.message })));
        else throw err;
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    remaps,
    params,
    ...(nodeName !== undefined ? { nodeName } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(logLevel !== undefined ? { logLevel } : {}),
  };
}
