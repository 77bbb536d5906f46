/** The shape every `df-planner` subcommand module exports as default, and the one way to build it. */
import { ConfigError } from '../errors.js';
import { formatHelp, type OptionTable, type ParsedOptions, parseOptions } from './args.js';

export interface CliCommand {
  /** One line for the command list. */
  summary: string;
  /** Its option table (tests read e.g. the `--task` choices from it). */
  readonly options?: OptionTable;
  /** Runs the command; returns the process exit code. Writes results to stdout, logs to stderr. */
  run(argv: string[]): Promise<number>;
}

export interface CommandSpec<T extends OptionTable> {
  /** One line for the command list and the --help text. */
  summary: string;
  /** The usage line(s) of --help, e.g. 'df-planner eval --task maze2d-umaze [--json]'. */
  usage: string;
  options: T;
  /** Accepts positional arguments (in `opts.positionals`); without it any positional is refused. */
  positionals?: boolean;
  /**
   * The command itself, after --help and positionals were dealt with. `argv` is the raw arguments (e.g. to
   * tell typed flags from defaults); `help` the generated --help text.
   */
  run(opts: ParsedOptions<T>, context: { argv: string[]; help: string }): Promise<number>;
}

/** Parses the options table, answers --help (exit 0) and refuses stray positionals, then runs the command. */
export function defineCommand<T extends OptionTable>(spec: CommandSpec<T>): CliCommand {
  return {
    summary: spec.summary,
    options: spec.options,
    async run(argv) {
      const opts = parseOptions(argv, spec.options);
      const help = formatHelp(spec.usage, spec.summary, spec.options);
      if (opts.help) {
        process.stdout.write(`${help}\n`);
        return 0;
      }
      if (!spec.positionals && opts.positionals.length > 0) {
        throw new ConfigError(
          `unexpected argument '${opts.positionals[0]}'; run with --help for the options`,
        );
      }
      return spec.run(opts, { argv, help });
    },
  };
}
