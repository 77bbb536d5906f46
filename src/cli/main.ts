/**
 * `df-planner` entry: dispatches to one module per subcommand, loaded lazily so that e.g. `schedule`
 * never pays for tfjs or MuJoCo start-up. This file and its siblings are the only code that touches
 * argv, stdout and exit codes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DfPlannerError } from '../errors.js';
import { twoColumns } from './args.js';
import type { CliCommand } from './command.js';
import { COMMAND_SUMMARIES, type CommandName } from './command-summaries.js';

const commands: Record<CommandName, () => Promise<{ default: CliCommand }>> = {
  schedule: () => import('./schedule.js'),
  train: () => import('./train.js'),
  sample: () => import('./sample.js'),
  dataset: () => import('./dataset.js'),
  eval: () => import('./eval.js'),
  bench: () => import('./bench.js'),
  demo: () => import('./demo.js'),
  node: () => import('./node.js'),
  'sim-node': () => import('./sim-node.js'),
  run: () => import('./run.js'),
};

/** The command list: from the summaries alone, so it loads no command module. */
function listCommands(): string {
  const lines = [
    'usage: df-planner <command> [options]',
    '       df-planner <command> --help     details of one command',
    '       df-planner --version',
    '',
    'commands:',
  ];
  for (const [name, summary] of Object.entries(COMMAND_SUMMARIES))
    lines.push(...twoColumns(`  ${name}`, summary, 13));
  return lines.join('\n');
}

/** `df-planner <version>` from package.json (read, not imported: it sits outside src/). */
function versionText(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return `df-planner ${version}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${listCommands()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${versionText()}\n`);
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name as CommandName] : undefined;
  if (!load) {
    process.stderr.write(
      `df-planner: unknown command '${name}'. Valid commands: ${Object.keys(commands).join(', ')}\n`,
    );
    return 2;
  }
  try {
    const command = (await load()).default;
    return await command.run(rest);
  } catch (err) {
    if (err instanceof DfPlannerError) {
      process.stderr.write(`df-planner ${name}: ${err.message}\n`);
      return 1;
    }
    // A file-system refusal the up-front checks could not foresee (disk full, a folder removed meanwhile) is
    // the user's to fix, not a bug: one line naming the file, no stack trace.
    if (isSystemError(err)) {
      process.stderr.write(`df-planner ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}
