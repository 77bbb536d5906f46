/**
 * Public face of src/tasks: token layouts, the dataset interface, and a registry of tasks by name (what
 * `df-planner train --task NAME` accepts). A task turns its options into a `SequenceDataset`; recorded tasks
 * (maze2d) register here with a `dataFile` option when their dataset reader lands.
 */
import { InputError } from '../errors.js';
import { oscillatorDataset, oscillatorLayout } from './oscillator.js';
import type { SequenceDataset } from './sequence-dataset.js';
import type { TokenLayout } from './token-layout.js';

export * from './oscillator.js';
export type * from './sequence-dataset.js';
export * from './token-layout.js';

export interface TaskDatasetOptions {
  /** F; the task default when omitted. */
  readonly frameStack?: number | undefined;
  /** Recorded data to read (tasks that are not generated in code). */
  readonly dataFile?: string | undefined;
}

export interface TaskDefinition {
  readonly name: string;
  readonly summary: string;
  readonly defaultFrameStack: number;
  /** Whether `dataFile` is required. */
  readonly needsDataFile: boolean;
  /** Where the data file is looked for when none is given (recorded tasks). */
  readonly defaultDataFile?: string;
  /** Makes the data file exist (e.g. generates it with the default recipe); never replaces an existing one. */
  prepareDataFile?(file: string, log: (line: string) => void): Promise<void>;
  /** The token layout for frame stack F (task default when omitted), without building a dataset. */
  layout(frameStack?: number): TokenLayout;
  createDataset(options: TaskDatasetOptions): SequenceDataset;
}

const registry = new Map<string, TaskDefinition>();

/** Adds a task (or replaces one of the same name). */
export function registerTask(task: TaskDefinition): void {
  registry.set(task.name, task);
}

export function taskNames(): string[] {
  return [...registry.keys()].sort();
}

/** The task called `name`; an InputError lists the known names otherwise. */
export function getTask(name: string): TaskDefinition {
  const task = registry.get(name);
  if (!task) throw new InputError(`unknown task '${name}'; known tasks: ${taskNames().join(', ')}`);
  return task;
}

registerTask({
  name: 'oscillator',
  summary: 'synthetic damped 2-D oscillator (position, velocity), generated in code',
  defaultFrameStack: 4,
  needsDataFile: false,
  layout: (frameStack = 4) => oscillatorLayout(frameStack),
  createDataset(options) {
    if (options.dataFile !== undefined) {
      throw new InputError(
        `task 'oscillator' is generated in code and reads no data file; drop '${options.dataFile}'`,
      );
    }
    return oscillatorDataset(options.frameStack === undefined ? {} : { frameStack: options.frameStack });
  },
});
