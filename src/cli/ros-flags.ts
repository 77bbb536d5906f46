/**
 * Command-line flags as ROS parameters (`df-planner node`, `sim-node`). rclnodejs applies the `/**` values (plain
 * `-p name:=v`, a params file's `/**` section) first and the node's own (`-p node:name:=v`, a `node:` section)
 * after, whatever the order (src/transport/param-overrides.ts). So a flag is passed keyed by the node's name, to
 * beat the `--params-file` given with it, and is left out when the arguments after `--ros-args` set the same
 * parameter with `-p`: there a flag is only a default, as the commands document.
 */
import { parseRosArgs } from '../transport/index.js';

/** `-p <node>:<name>:=<value>` for each flag whose name `rosTail` (`--ros-args …`) does not set with `-p`. */
export function flagParams(
  nodeName: string,
  rosTail: readonly string[],
  flags: readonly (readonly [string, string])[],
): string[] {
  const set = new Set(
    parseRosArgs(rosTail)
      .params.filter((p) => p.kind === 'param' && (p.node === undefined || p.node === nodeName))
      .map((p) => (p.kind === 'param' ? p.name : '')),
  );
  return flags
    .filter(([name]) => !set.has(name))
    .flatMap(([name, value]) => ['-p', `${nodeName}:${name}:=${value}`]);
}
