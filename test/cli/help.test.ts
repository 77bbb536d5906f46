/**
 * `--help` and `--version` (issue 10): help fits 80 columns with flags and descriptions apart, for every
 * command; the top-level list loads no command module (tfjs alone takes seconds to load); `--version` prints
 * the package version.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatHelp, HELP_WIDTH } from '../../src/cli/args.js';
import type { CliCommand } from '../../src/cli/command.js';
import { COMMAND_SUMMARIES } from '../../src/cli/command-summaries.js';
import { main } from '../../src/cli/main.js';
import { repoRoot } from './run-cli.js';

/** Lines that break the layout: wider than 80 columns, or a flag running into its description. */
function layoutProblems(text: string): string[] {
  return text.split('\n').filter((l) => {
    if ([...l].length > HELP_WIDTH) return true;
    const m = /^ {2}(--help, -h|--[\w-]+(?: <\w+>)?)(.*)$/.exec(l);
    return m !== null && m[2] !== '' && !m[2]!.startsWith('  ');
  });
}

async function captureStdout(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await run(), out };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('help layout', () => {
  it('a long flag puts its description on the next line; long text wraps at 80 columns', () => {
    const help = formatHelp('df-planner x [--a-very-long-option-name N]', 'does x', {
      'a-very-long-option-name': { kind: 'integer', description: 'word '.repeat(40).trim(), min: 0 },
      short: { kind: 'boolean', description: 'a short one' },
    });
    expect(layoutProblems(help)).toEqual([]);
    const lines = help.split('\n');
    const at = lines.indexOf('  --a-very-long-option-name <integer>');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {30}word word/);
    expect(lines).toContain(`${'  --short'.padEnd(30)}a short one`);
  });

  it('every command: --help exits 0 within 80 columns, flags apart from their descriptions', async () => {
    for (const name of Object.keys(COMMAND_SUMMARIES)) {
      const command = (await import(`../../src/cli/${name}.ts`)).default as CliCommand;
      const { code, out } = await captureStdout(() => command.run(['--help']));
      expect(code, name).toBe(0);
      expect(out, name).toContain(COMMAND_SUMMARIES[name as keyof typeof COMMAND_SUMMARIES].split(' ')[0]);
      expect(layoutProblems(out), name).toEqual([]);
    }
  });

  it('the command list fits 80 columns and names every command', async () => {
    const { code, out } = await captureStdout(() => main(['--help']));
    expect(code).toBe(0);
    expect(layoutProblems(out)).toEqual([]);
    for (const name of Object.keys(COMMAND_SUMMARIES)) expect(out).toContain(`  ${name} `);
  });
});

describe('df-planner --help and --version as a process', () => {
  /** Runs main(argv) in a fresh process; reports its output and which heavy packages it loaded. */
  function inFreshProcess(argv: string[]) {
    const script = `
      import { createRequire } from 'node:module';
      import { register } from 'tsx/esm/api';
      register();
      const { main } = await import(${JSON.stringify(join(repoRoot, 'src/cli/main.ts'))});
      const code = await main(${JSON.stringify(argv)});
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      const heavy = ['@tensorflow/tfjs-core', 'mujoco', 'rxjs', 'yaml', 'pngjs', 'cli-progress']
        .filter((p) => loaded.some((f) => f.includes('/node_modules/' + p + '/')));
      process.stderr.write(JSON.stringify({ code, heavy }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return { stdout: r.stdout, ...(JSON.parse(r.stderr) as { code: number; heavy: string[] }) };
  }

  it('--help lists the commands without loading any of them', () => {
    const r = inFreshProcess(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('commands:');
    expect(r.heavy).toEqual([]);
  });

  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const r = inFreshProcess(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`df-planner ${version}\n`);
    expect(r.heavy).toEqual([]);
  });
});
