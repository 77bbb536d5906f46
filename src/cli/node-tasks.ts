/**
 * A registry task as the planner node sees it (src/node/node-task.ts), built by the task's robot: the node
 * serves a task when the task lists `node` in its commands (sim/task-registry.ts) and its robot has a builder
 * here. Lives in src/cli because it joins the registry (sim/) and the node (src/).
 */
import { type RobotId, taskFor } from '../../sim/task-registry.js';
import { ConfigError } from '../errors.js';
import type { NodeTask } from '../node/index.js';
import { armNodeTask } from './arm-node-task.js';
import { mazeNodeTask } from './maze-node-task.js';

/** One builder per robot the planner node has an interface for. */
export const NODE_TASK_BUILDERS: Readonly<Partial<Record<RobotId, (taskId: string) => NodeTask>>> = {
  maze2d: mazeNodeTask,
  arm: armNodeTask,
};

/** The node's view of task `taskId`; a one-line ConfigError (on `path`) when the node does not serve it. */
export function nodeTaskFor(taskId: string, path = 'task'): NodeTask {
  const task = taskFor(taskId, 'node', path);
  const build = task.robot === null ? undefined : NODE_TASK_BUILDERS[task.robot];
  if (!build) {
    throw new ConfigError(
      `the planner node has no robot interface for task '${task.id}' (robot ${task.robot ?? 'none'})`,
      path,
    );
  }
  return build(task.id);
}
