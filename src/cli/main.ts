/**
 * `df-planner` entry: dispatches to one module per subcommand, loaded lazily so that e.g. `schedule`
 * never pays for tfjs or MuJoCo start-up. This file and its siblings are the only code that touches
 * argv, stdout and exit codes.
 */
import { DfPlannerError } from '../errors.js';
import type { CliCommand } from './command.js';

const commands: Record<string, () => Promise<{ default: CliCommand }>> = {
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

async function listCommands(): Promise<string> {
  const lines = [
    'usage: df-planner <command> [options]   (df-planner <command> --help for details)',
    '',
    'commands:',
  ];
  for (const [name, load] of Object.entries(commands)) {
    let summary: string;
    try {
      summary = (await load()).default.summary;
    } catch {
      summary = '(not available in this build)';
    }
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await listCommands()}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
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
