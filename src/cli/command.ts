/** The shape every `df-planner` subcommand module exports as default. */
export interface CliCommand {
  /** One line for the command list. */
  summary: string;
  /** Runs the command; returns the process exit code. Writes results to stdout, logs to stderr. */
  run(argv: string[]): Promise<number>;
}
