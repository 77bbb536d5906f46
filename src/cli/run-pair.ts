/**
 * What the two `df-planner run` pairs (the maze's and the arm's) share before they start their nodes: the model
 * checked against the task, and a logger that keeps the last error for the summary.
 */
import { ConfigError } from '../errors.js';
import type { Logger } from '../logging.js';
import { readModelFile } from '../model/checkpoint.js';
import { modelTask } from './planner-policy.js';

/** The model in `modelDir`, refused in one line when its provenance names another task (`fix` says what to pass). */
export function readModelForTask(modelDir: string, taskId: string, fix: (trainedOn: string) => string) {
  const model = readModelFile(modelDir);
  const trainedOn = modelTask(model.provenance);
  if (trainedOn !== null && trainedOn !== taskId) {
    throw new ConfigError(
      `${modelDir} was trained on ${trainedOn}, not ${taskId}; ${fix(trainedOn)}`,
      '--model',
    );
  }
  return model;
}

/** `logger`, also keeping the first line of the last error: the summary names it (the count is the planner's). */
export function errorRecordingLogger(logger: Logger): { logger: Logger; lastError: () => string | null } {
  let last: string | null = null;
  return {
    logger: {
      ...logger,
      error: (m) => {
        last = m.split('\n')[0]!;
        logger.error(m);
      },
    },
    lastError: () => last,
  };
}
