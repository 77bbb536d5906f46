/**
 * The task registry: every task the project knows, each described once (sim/task-descriptor.ts). Every command
 * (train, dataset, eval, run, node, sim-node, bench) and the sim node take their `--task` choices and the
 * task's behaviour from here.
 *
 * Adding a task = adding its folder (sim/<robot>/ with the env, the dataset and a `task.ts` exporting its
 * descriptor) and ONE registration line in TASKS below; a command serves it once the task lists that command
 * in `commands` (docs/tasks.md).
 */
import { ConfigError, InputError } from '../src/errors.js';
import { oscillatorTrainingTask } from '../src/tasks/index.js';
import { ARM_SWAP_TASK } from './arm/task.js';
import { MAZE2D_TASKS } from './maze2d/task.js';
import type { TaskCommand, TaskDescriptor } from './task-descriptor.js';

export type * from './task-descriptor.js';
export { ROBOTS, SCORING_FAMILIES, TASK_COMMANDS } from './task-descriptor.js';

/** The synthetic oscillator: generated in code, no robot, train only (the learning smoke test). */
const OSCILLATOR_TASK: TaskDescriptor = {
  id: 'oscillator',
  description: oscillatorTrainingTask.summary,
  robot: null,
  commands: ['train'],
  training: oscillatorTrainingTask,
  scoring: null,
};

/** The registry, in the order help texts list the tasks. One line per task (or family of tasks). */
export const TASKS: readonly TaskDescriptor[] = Object.freeze([
  OSCILLATOR_TASK,
  ...MAZE2D_TASKS,
  ARM_SWAP_TASK,
]);

/** Ids of every task, or of the tasks `command` serves, in registry order. */
export function taskIds(command?: TaskCommand): string[] {
  return TASKS.filter((t) => command === undefined || t.commands.includes(command)).map((t) => t.id);
}

/** The task `id`, or undefined. */
export function findTask(id: string): TaskDescriptor | undefined {
  return TASKS.find((t) => t.id === id);
}

/** The task `id`; an InputError names the known ids otherwise. */
export function getTask(id: string): TaskDescriptor {
  const task = findTask(id);
  if (!task) throw new InputError(`unknown task '${id}'; known tasks: ${taskIds().join(', ')}`);
  return task;
}

/**
 * The task `id` for `df-planner <command>`: a ConfigError (one line, on `path`) when the id is unknown or the
 * command does not serve that task (yet), naming the tasks it does serve.
 */
export function taskFor(id: string, command: TaskCommand, path = 'task'): TaskDescriptor {
  const task = findTask(id);
  const served = taskIds(command).join(', ');
  if (!task) {
    throw new ConfigError(`unknown task '${id}'; df-planner ${command} serves: ${served}`, path);
  }
  if (!task.commands.includes(command)) {
    throw new ConfigError(
      `df-planner ${command} does not serve task '${id}' (yet); it serves: ${served}`,
      path,
    );
  }
  return task;
}
