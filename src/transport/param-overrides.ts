/**
 * Which `--params-file` / `-p` values a node starts with, by the rules of rclnodejs 2.2.0 (read in its sources;
 * file:line below are in the npm package rclnodejs@2.2.0). The bus applies exactly these rules, so what a test
 * shows on the bus is what the ROS node does.
 *
 * 1. rcl parses every `--params-file` and `-p` of the context into one table keyed by node key, in argv order: a
 *    later value for the same key and name replaces an earlier one (rcl's argument parser; rclnodejs reads the
 *    merged table back with `rcl_arguments_get_param_overrides`, src/rcl_node_bindings.cpp:156-177). A file's
 *    section key is the key (`/**`, `planner`, `/robot1/planner`, …); `-p name:=v` is keyed `/**`,
 *    `-p planner:name:=v` is keyed `planner`.
 * 2. rclnodejs takes the `/**` entries, then overlays the entries keyed exactly by the node's name (`this.name()`,
 *    i.e. after `-r __node:=`), lib/node.js:2550-2566. Every other key is ignored: `/planner`, `/robot1/planner`,
 *    keys with a wildcard before the name, nested namespaces. So a `planner:` section beats every `/**` value and every plain `-p`,
 *    whatever the argument order; argument order decides only within one key.
 * 3. At node creation every entry of every key becomes a `Parameter` (lib/node.js:2535-2546), and the native
 *    layer hands integers over as JS numbers (src/rcl_node_bindings.cpp:93-95, 127-134). A scalar is converted
 *    to bigint (lib/parameter.js:131-132), an integer array is not, so `Parameter.validate()` throws
 *    (lib/parameter.js:899, 936-944): one integer array anywhere in the arguments stops every node of the
 *    process with rclnodejs's own type error. `overridesForNode` refuses it first, naming the fix.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { type RawParamValue, readParamsFile } from '../params/index.js';
import { type ParamSource, parseRosArgs } from './ros-args.js';

/** The wildcard node key of params files and of `-p name:=value`. */
export const WILDCARD_KEY = '/**';

export interface NodeOverrides {
  /** Parameter name → raw value, as the node will see it. */
  readonly values: ReadonlyMap<string, RawParamValue>;
  /**
   * Params-file sections that look meant for this node but that rclnodejs ignores (`/planner`,
   * `/robot1/planner`, a wildcard before the name, …), as `file: key`, so a caller can warn about them.
   */
  readonly ignored: readonly string[];
}

/** Whether a section key that rclnodejs ignores was probably written for the node `name`. */
function meantFor(key: string, name: string): boolean {
  return key !== WILDCARD_KEY && key !== name && (key.endsWith(`/${name}`) || key.includes('*'));
}

function isIntegerArray(v: RawParamValue): boolean {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'bigint';
}

/**
 * The overrides the node `name` (its final name, after `-r __node:=`) gets from `sources` (argv order).
 * Reads the params files. Throws ConfigError for unreadable files and for integer arrays (rule 3).
 */
export function overridesForNode(sources: readonly ParamSource[], name: string): NodeOverrides {
  const global = new Map<string, RawParamValue>();
  const own = new Map<string, RawParamValue>();
  const ignored: string[] = [];
  const intArrays: ConfigIssue[] = [];
  const take = (key: string, param: string, value: RawParamValue, where: string) => {
    if (isIntegerArray(value)) {
      const doubles = `[${(value as readonly bigint[]).map((v) => `${v}.0`).join(', ')}]`;
      intArrays.push({
        path: `${where}${param}`,
        message: `is an integer array, which rclnodejs 2.2 cannot read (it fails every node at start); write doubles: ${doubles}`,
      });
      return;
    }
    if (key === WILDCARD_KEY) global.set(param, value);
    else if (key === name) own.set(param, value);
  };
  for (const src of sources) {
    if (src.kind === 'param') {
      take(src.node ?? WILDCARD_KEY, src.name, src.value, `-p ${src.node ? `${src.node}:` : ''}`);
      continue;
    }
    const file = readParamsFile(src.path);
    for (const section of file.sections) {
      if (meantFor(section.node, name)) ignored.push(`${src.path}: ${section.node}`);
      for (const [param, value] of section.params)
        take(section.node, param, value, `${src.path}:${section.node}.`);
    }
  }
  if (intArrays.length > 0) throw new ConfigError(intArrays);
  return { values: new Map([...global, ...own]), ignored };
}

/** The node's final name: `-r __node:=` in `argv` (rcl applies it at node creation), else `name`. */
export function finalNodeName(name: string, argv: readonly string[]): string {
  return parseRosArgs(argv).nodeName ?? name;
}

/**
 * The value the parameter `param` will start with on the node `name` (before `-r __node:=`), read from `argv`
 * by the rules above, or undefined. For decisions that must be taken before the node exists, such as creating
 * a managed (lifecycle) node.
 */
export function overrideValue(
  name: string,
  argv: readonly string[],
  param: string,
): RawParamValue | undefined {
  const args = parseRosArgs(argv);
  return overridesForNode(args.params, args.nodeName ?? name).values.get(param);
}
