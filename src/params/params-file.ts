/**
 * ROS 2 parameter files (docs/ros2.md §2.4) and `-p name:=value` text, read the way rcl reads them:
 *
 *   /**:                      # wildcard: every node
 *     ros__parameters:
 *       use_sim_time: true
 *   planner:                  # exactly the node's name
 *     ros__parameters:
 *       control_frequency: 20.0          # double (20 would be an int and is refused for a double)
 *       planner: { num_samples: 8 }      # nested maps become dotted names: planner.num_samples
 *
 * Values keep YAML's int/float distinction: integers are `bigint`, floats `number` (RawParamValue).
 * Which sections a node gets follows rclnodejs 2.2 (lib/node.js:2550-2566 of its npm package): the `/**`
 * section, then the section named exactly after the node, whatever their order in the file. Every other key is
 * parsed (so its mistakes are reported) but ignored: `/planner`, `/robot1/planner`, keys with a wildcard before the
 * name, nested namespaces (`robot1: planner:`). Across files and `-p`, see src/transport/param-overrides.ts.
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

/** How a section key applies to the node named `nodeName` (no namespace): 0 `/**`, 1 its exact name, -1 not. */
export function matchNodeKey(key: string, nodeName: string): number {
  if (nodeName.includes('/')) {
    throw new Error(`matchNodeKey takes a node name, not '${nodeName}' (rclnodejs matches the bare name)`);
  }
  if (key === '/**') return 0;
  return key === nodeName ? 1 : -1;
}

/** The parameters one parsed file gives the node `nodeName`: the `/**` sections, then its own, in file order. */
export function paramsForNode(file: ParamsFileContents, nodeName: string): Map<string, RawParamValue> {
  const out = new Map<string, RawParamValue>();
  const ranked = file.sections
    .map((s, i) => ({ s, i, rank: matchNodeKey(s.node, nodeName) }))
    .filter((r) => r.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  for (const { s } of ranked) for (const [k, v] of s.params) out.set(k, v);
  return out;
}

/** Read and parse a params file. Throws ConfigError (unreadable file, bad YAML, bad structure — every issue). */
export function readParamsFile(path: string): ParamsFileContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`cannot read params file (${code}); check the --params-file path`, path);
  }
  return parseParamsFile(text, path);
}

/**
 * Read a ROS 2 params file and return the parameters it gives the node named `nodeName` (e.g. `planner`),
 * dotted names → raw values. Throws ConfigError (unreadable file, bad YAML, bad structure — every issue at once).
 */
export function loadParamsFile(path: string, nodeName: string): Map<string, RawParamValue> {
  return paramsForNode(readParamsFile(path), nodeName);
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
