/**
 * Error classes shared by every layer. Library code throws these; only `src/cli/` (prints, sets the exit
 * code) and the node's tick (publishes a safe command, reports diagnostics) catch them.
 * A message names the thing, the value and the fix.
 */

export class DfPlannerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export interface ConfigIssue {
  /** Dotted path of the offending setting, e.g. `model.hiddenWidth` or `--steps`. */
  path: string;
  message: string;
}

/** Invalid parameters or options. Holds every issue found, so the caller sees all bad fields at once. */
export class ConfigError extends DfPlannerError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: ConfigIssue[] | string, path = '') {
    const list = typeof issues === 'string' ? [{ path, message: issues }] : issues;
    super('config', list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
    this.issues = list;
  }
}

/** A model directory or checkpoint that is missing, truncated, corrupt or does not match. */
export class ModelFileError extends DfPlannerError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('model-file', `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A dataset file that is missing, truncated, or of another task. */
export class DatasetError extends DfPlannerError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('dataset', `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** The requested tfjs backend is missing or did not start. Never silently replaced by another one. */
export class BackendError extends DfPlannerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('backend', message, options);
  }
}

/** An invalid scheduling matrix; names the offending row and column. */
export class ScheduleError extends DfPlannerError {
  readonly row: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, where: { row?: number; column?: number } = {}) {
    super('schedule', message);
    this.row = where.row;
    this.column = where.column;
  }
}

/** Bad input to an environment or task: wrong-length, NaN or infinite values, unknown task names. */
export class InputError extends DfPlannerError {
  constructor(message: string) {
    super('input', message);
  }
}

/** The planner produced an unusable plan (e.g. NaN). */
export class PlanningError extends DfPlannerError {
  constructor(message: string) {
    super('planning', message);
  }
}

/** A transport that cannot start or is misused (ROS 2 not sourced, rclnodejs missing, a topic type clash). */
export class TransportError extends DfPlannerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('transport', message, options);
  }
}
