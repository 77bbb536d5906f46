/**
 * Public face of src/tasks: token layouts, the dataset interface, and the training side of a task
 * (`TrainingTask`: its token layout and how its dataset is built). Tasks are listed in one registry,
 * sim/task-registry.ts (it knows the simulators too, which src/tasks may not import); this folder only
 * defines the training contract and the oscillator, the task generated in code.
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

/** How a task is trained: what `df-planner train --task NAME` needs of it. */
export interface TrainingTask {
  readonly name: string;
  readonly summary: string;
  readonly defaultFrameStack: number;
  /** Whether `dataFile` is required. */
  readonly needsDataFile: boolean;
  /** Where the data file is looked for when none is given (recorded tasks). */
  readonly defaultDataFile?: string;
  /** The command that makes the default data file (what `prepareDataFile` runs when it is missing). */
  readonly defaultDataRecipe?: string;
  /** Makes the data file exist (e.g. generates it with the default recipe); never replaces an existing one. */
  prepareDataFile?(file: string, log: (line: string) => void): Promise<void>;
  /** The token layout for frame stack F (task default when omitted), without building a dataset. */
  layout(frameStack?: number): TokenLayout;
  createDataset(options: TaskDatasetOptions): SequenceDataset;
}

/** The synthetic oscillator (no simulator, no data file). */
export const oscillatorTrainingTask: TrainingTask = {
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
};
