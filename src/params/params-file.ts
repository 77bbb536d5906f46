/**
 * ROS 2 parameter files (docs/ros2.md §2.4) and `-p name:=value` text, read the way rcl reads them:
 *
 *   /**:                      # wildcard: every node
 *     ros__parameters:
 *       use_sim_time: true
 *   planner:                  # the node's name (any namespace, as rclnodejs matches it)
 *     ros__parameters:
 *       control_frequency: 20.0          # double (20 would be an int and is refused for a double)
 *       planner: { num_samples: 8 }      # nested maps become dotted names: planner.num_samples
 *   /robot1/planner:          # the fully qualified name (nested keys robot1: planner: … mean the same)
 *     ros__parameters: { … }
 *
 * Values keep YAML's int/float distinction: integers are `bigint`, floats `number` (RawParamValue).
 * Within one file the matching sections apply from least to most specific (wildcards, then the plain name, then
 * the fully qualified name); across files and `-p` options the later one wins, in argv order.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { RawParamValue, RawScalar } from './types.js';

/** The parameters of every node section of one file, keyed by the section's node key (`/**`, `planner`, …). */
export interface ParamsFileContents {
  readonly source: string;
  readonly sections: readonly {
    readonly node: string;
    readonly params: ReadonlyMap<string, RawParamValue>;
  }[];
}

const PARAMS_KEY = 'ros__parameters';

function scalarValue(node: Node): RawScalar | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string')
    return v;
  return undefined;
}

function kindOf(v: RawScalar): string {
  return typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'double' : typeof v;
}

/** Turn a YAML value node into a raw parameter value, or explain why it cannot be one. */
function rawValue(node: Node | null, issues: ConfigIssue[], path: string): RawParamValue | undefined {
  if (node === null || (isScalar(node) && node.value === null)) {
    issues.push({ path, message: 'has no value; write one (ROS has no null parameter)' });
    return undefined;
  }
  if (isSeq(node)) {
    const out: RawScalar[] = [];
    for (const [i, item] of node.items.entries()) {
      const v = item && isScalar(item) ? scalarValue(item as Node) : undefined;
      if (v === undefined) {
        issues.push({
          path: `${path}[${i}]`,
          message: 'arrays may hold only bools, integers, doubles or strings',
        });
        return undefined;
      }
      out.push(v);
    }
    const kinds = new Set(out.map(kindOf));
    if (kinds.size > 1) {
      issues.push({
        path,
        message: `mixes ${[...kinds].join(' and ')} elements; ROS arrays are of one type (write 1.0, not 1, in a double array)`,
      });
      return undefined;
    }
    return out;
  }
  const v = scalarValue(node);
  if (v === undefined) {
    issues.push({ path, message: 'is not a bool, integer, double, string or array of one of these' });
  }
  return v;
}

function flatten(
  node: Node | null,
  prefix: string,
  out: Map<string, RawParamValue>,
  issues: ConfigIssue[],
  where: string,
): void {
  if (!isMap(node)) {
    issues.push({ path: where, message: `'${PARAMS_KEY}' must be a map of parameter names to values` });
    return;
  }
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (!key) {
      issues.push({ path: where, message: 'has a key that is not a plain name' });
      continue;
    }
    const name = prefix ? `${prefix}.${key}` : key;
    const value = pair.value as Node | null;
    if (isMap(value)) flatten(value, name, out, issues, where);
    else {
      const v = rawValue(value, issues, `${where}.${name}`);
      if (v !== undefined) out.set(name, v);
    }
  }
}

/** Parse params-file text. Throws ConfigError with every issue (paths like `file.yaml:planner.horizon`). */
export function parseParamsFile(text: string, source: string): ParamsFileContents {
  const lines = new LineCounter();
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter: lines, uniqueKeys: true });
  const issues: ConfigIssue[] = doc.errors.map((e) => {
    const at = e.pos ? lines.linePos(e.pos[0]) : undefined;
    return {
      path: at ? `${source}:${at.line}:${at.col}` : source,
      message: e.message.split('\n')[0] ?? e.message,
    };
  });
  const sections: { node: string; params: Map<string, RawParamValue> }[] = [];
  if (issues.length === 0) {
    const root = doc.contents as Node | null;
    if (root !== null && !isMap(root)) {
      issues.push({
        path: source,
        message: 'must be a map of node names (e.g. `planner:` or `/**:`) to `ros__parameters:`',
      });
    } else if (root !== null) {
      // Keys above `ros__parameters` form the node name: `robot1: planner: ros__parameters:` is /robot1/planner.
      const walk = (map: Node, nodePath: string[]): void => {
        if (!isMap(map)) return;
        for (const pair of map.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : '';
          const value = pair.value as Node | null;
          if (key === PARAMS_KEY) {
            if (nodePath.length === 0) {
              issues.push({
                path: source,
                message: `'${PARAMS_KEY}' must sit under a node name such as 'planner:' or '/**:'`,
              });
              continue;
            }
            const node =
              nodePath.length === 1
                ? nodePath[0]!
                : `/${nodePath.map((p) => p.replace(/^\/|\/$/g, '')).join('/')}`;
            const params = new Map<string, RawParamValue>();
            flatten(value, '', params, issues, `${source}:${node}`);
            sections.push({ node, params });
          } else if (isMap(value)) {
            walk(value, [...nodePath, key]);
          } else {
            issues.push({
              path: `${source}:${[...nodePath, key].join('/')}`,
              message: `expected a node section holding '${PARAMS_KEY}:'; parameters go under '<node>: ${PARAMS_KEY}:'`,
            });
          }
        }
      };
      walk(root, []);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { source, sections };
}

/** Specificity of a section key for `nodeFqn`, or -1 when it does not apply (0 wildcard, 1 plain name, 2 full name). */
export function matchNodeKey(key: string, nodeFqn: string): number {
  const name = nodeFqn.slice(nodeFqn.lastIndexOf('/') + 1);
  if (key.includes('*')) {
    const pattern = key
      .split('/')
      .map((seg) =>
        seg === '**'
          ? '(?:/[^/]+)*'
          : seg === '*'
            ? '/[^/]+'
            : seg === ''
              ? ''
              : `/${seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&')}`,
      )
      .join('');
    return new RegExp(`^${pattern}$`).test(nodeFqn) ? 0 : -1;
  }
  if (!key.startsWith('/') && !key.includes('/')) return key === name ? 1 : -1;
  const full = key.startsWith('/') ? key : `/${key}`;
  return full === nodeFqn ? 2 : -1;
}

/** The parameters one parsed file gives the node `nodeFqn` (`/ns/name`), least to most specific section. */
export function paramsForNode(file: ParamsFileContents, nodeFqn: string): Map<string, RawParamValue> {
  const out = new Map<string, RawParamValue>();
  const ranked = file.sections
    .map((s, i) => ({ s, i, rank: matchNodeKey(s.node, nodeFqn) }))
    .filter((r) => r.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  for (const { s } of ranked) for (const [k, v] of s.params) out.set(k, v);
  return out;
}

/**
 * Read a ROS 2 params file and return the parameters for the node `nodeFqn` (e.g. `/robot1/planner`), dotted
 * names → raw values. Throws ConfigError (unreadable file, bad YAML, bad structure — every issue at once).
 */
export function loadParamsFile(path: string, nodeFqn: string): Map<string, RawParamValue> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`cannot read params file (${code}); check the --params-file path`, path);
  }
  return paramsForNode(parseParamsFile(text, path), nodeFqn);
}

/**
 * Parse the value text of `-p name:=value` as rcl does (YAML): `20` int, `20.0` double, `true` bool,
 * `[1.0, 2.0]` array, anything else a string. Throws ConfigError naming `name`.
 */
export function parseParamText(name: string, text: string): RawParamValue {
  const doc = parseDocument(text, { intAsBigInt: true });
  const issues: ConfigIssue[] = doc.errors.map((e) => ({
    path: name,
    message: `cannot parse ${JSON.stringify(text)}: ${e.message.split('\n')[0]}`,
  }));
  const value = issues.length === 0 ? rawValue(doc.contents as Node | null, issues, name) : undefined;
  if (issues.length > 0 || value === undefined) throw new ConfigError(issues);
  return value;
}
