/**
 * ROS ignores what no node declares: a `-p plannr:horizon:=5`, a `-p planner:horizn:=5` or a `horizn: 5` in a
 * params file would silently keep the default. Before the nodes start, `rosArgWarnings` lists each such
 * argument with the nearest known node or parameter name, for every command that starts nodes (run, node,
 * sim-node). Malformed arguments and unreadable files are left to the transport, which refuses them.
 */
import { stderrLogger } from '../logging.js';
import {
  didYouMean,
  matchNodeKey,
  type ParamsFileContents,
  type ParamTable,
  readParamsFile,
  TRANSPORT_PARAMS,
} from '../params/index.js';
import { parseRosArgs, type RosArgs } from '../transport/index.js';

/** A node this process starts: its name (`planner`, no namespace, as params files match it) and its table. */
export interface StartedNode {
  readonly name: string;
  readonly table: ParamTable;
}

/** The parameter names any of `nodes` declares (the transports' own included). */
function declared(nodes: readonly StartedNode[]): Set<string> {
  return new Set([...TRANSPORT_PARAMS, ...nodes.flatMap((n) => n.table.map((d) => d.name))]);
}

/** One warning line per `-p` or params-file entry that no node of `nodes` will read. */
export function rosArgWarnings(rosArgs: readonly string[], nodes: readonly StartedNode[]): string[] {
  let parsed: RosArgs;
  try {
    parsed = parseRosArgs(rosArgs);
  } catch {
    return [];
  }
  const names = nodes.map((n) => n.name);
  const here = `this process runs ${names.map((n) => `'${n}'`).join(' and ')}`;
  const warnings: string[] = [];
  for (const source of parsed.params) {
    if (source.kind === 'param') {
      const shown = `-p ${source.node === undefined ? '' : `${source.node}:`}${source.name}:=…`;
      const targets = source.node === undefined ? nodes : nodes.filter((n) => n.name === source.node);
      if (targets.length === 0) {
        warnings.push(
          `${shown}: no node is named '${source.node}'${didYouMean(source.node!, names)}; ${here}; ignored`,
        );
        continue;
      }
      const known = declared(targets);
      if (!known.has(source.name))
        warnings.push(`${shown}: unknown parameter${didYouMean(source.name, known)}; ignored`);
      continue;
    }
    let file: ParamsFileContents;
    try {
      file = readParamsFile(source.path);
    } catch {
      continue;
    }
    for (const section of file.sections) {
      const targets = nodes.filter((n) => matchNodeKey(section.node, n.name) >= 0);
      if (targets.length === 0) {
        const guess = didYouMean(section.node.slice(section.node.lastIndexOf('/') + 1), names);
        warnings.push(`${source.path}: section '${section.node}' matches no node${guess}; ${here}; ignored`);
        continue;
      }
      const known = declared(targets);
      for (const name of section.params.keys()) {
        if (!known.has(name)) {
          warnings.push(
            `${source.path}: ${section.node}: ${name}: unknown parameter${didYouMean(name, known)}; ignored`,
          );
        }
      }
    }
  }
  return warnings;
}

/** Prints `rosArgWarnings` on stderr (always: --quiet hides progress, not a setting that will be ignored). */
export function warnRosArgs(rosArgs: readonly string[], nodes: readonly StartedNode[]): void {
  for (const line of rosArgWarnings(rosArgs, nodes)) stderrLogger.warn(line);
}
