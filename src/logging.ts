/**
 * The one logger interface. Library code takes a `Logger` (default: stderr) and never writes to stdout,
 * which belongs to command output such as `--json`.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`[df-planner] ${m}\n`),
  warn: (m) => process.stderr.write(`[df-planner] warning: ${m}\n`),
  error: (m) => process.stderr.write(`[df-planner] error: ${m}\n`),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
