/**
 * ROS arguments for the nodes `df-planner run` starts on one bus (the maze pair and the arm pair): the run's
 * options as parameters of one node, placed as launch files place them (src/cli/ros-flags.ts).
 */
import { flagParams } from './ros-flags.js';

/** These options as `-p node:name:=v` (ros-flags.ts): above the params file, left out where `tail` sets them. */
export function keyedTo(node: string, tail: readonly string[], args: readonly string[]): string[] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < args.length; i += 2) {
    const rule = args[i + 1]!;
    pairs.push([rule.slice(0, rule.indexOf(':=')), rule.slice(rule.indexOf(':=') + 2)]);
  }
  return flagParams(node, ['--ros-args', ...tail], pairs);
}

/** `-p name:=value` with ROS's typing (a double keeps its decimal point). */
export function param(name: string, value: string | number | boolean, type?: 'double'): string[] {
  const text =
    type === 'double' && typeof value === 'number' && Number.isInteger(value)
      ? value.toFixed(1)
      : String(value);
  return ['-p', `${name}:=${text}`];
}
