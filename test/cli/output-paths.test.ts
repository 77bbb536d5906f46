/**
 * Output paths are refused before the work starts (issue 10): a folder where a file goes, a path under a file,
 * an unwritable place. Each command answers with one line naming the flag, the path and the fix, and no stack
 * trace; a write that fails after the work is one line after the summary.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliCommand } from '../../src/cli/command.js';
import { checkOutputDir, checkOutputFile, writeAfterWork } from '../../src/cli/output-path.js';
import { ConfigError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/write-file-atomic.js';
import { runCliAsync } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-output-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const folder = join(dir, 'a-folder');
mkdirSync(folder);
const file = join(dir, 'a-file');
writeFileSync(file, 'x');
const underFile = join(file, 'out.png');

function refusal(f: () => void): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('checkOutputFile / checkOutputDir', () => {
  it('accepts a new file in a missing folder and an existing file, and leaves nothing behind', () => {
    checkOutputFile(join(dir, 'new', 'deeper', 'x.png'), '--out', 'x.png');
    checkOutputFile(file, '--out', 'x.png');
    checkOutputDir(join(dir, 'model-dir'), '--out');
    checkOutputDir(folder, '--out');
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'a-folder']);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses a folder given as a file, suggesting a file name in it', () => {
    const m = refusal(() => checkOutputFile(folder, '--out', 'run.png'));
    expect(m).toBe(`--out: ${folder} is a folder; give a file name, e.g. ${join(folder, 'run.png')}`);
  });

  it('refuses a path under a file, and a file given as a folder', () => {
    expect(refusal(() => checkOutputFile(underFile, '--plot', 'x.png'))).toMatch(
      /^--plot: .*a-file\/out\.png cannot be created: .*a-file is a file, not a folder; choose another path$/,
    );
    expect(refusal(() => checkOutputDir(file, '--out'))).toMatch(/a-file is a file, not a folder/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a read-only folder', () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro, { mode: 0o555 });
    expect(refusal(() => checkOutputFile(join(ro, 'x.png'), '--out', 'x.png'))).toMatch(/not writable/);
  });

  it('a write that fails after the work is one line, not a throw', () => {
    const line = writeAfterWork('the picture', folder, () => writeFileSync(folder, 'x'));
    expect(line).toBe(
      `could not write the picture ${folder} (EISDIR); the results above are complete without it`,
    );
    expect(writeAfterWork('the picture', join(dir, 'ok.png'), () => {})).toBeNull();
  });

  it('writeFileAtomic leaves no temporary file behind when the write fails', () => {
    expect(() => writeFileAtomic(folder, 'x')).toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('every command checks its output path before working', () => {
  // In process (one tfjs load for all): each must refuse before loading a model, a sim or a dataset.
  const cases: { command: string; args: string[]; flag: string; path: string }[] = [
    { command: 'run', args: ['--task', 'maze2d-umaze', '--out', folder], flag: '--out', path: folder },
    {
      command: 'eval',
      args: ['--task', 'maze2d-umaze', '--model', join(dir, 'no-model'), '--plot', folder],
      flag: '--plot',
      path: folder,
    },
    {
      command: 'dataset',
      args: ['--task', 'maze2d-umaze', '--steps', '2000', '--out', folder],
      flag: '--out',
      path: folder,
    },
    { command: 'train', args: ['--out', file, '--steps', '2'], flag: '--out', path: file },
    {
      command: 'demo',
      args: ['--model', join(dir, 'no-model'), '--out', underFile],
      flag: '--out',
      path: underFile,
    },
    {
      command: 'sample',
      args: ['--model', join(dir, 'no-model'), '--plot', folder],
      flag: '--plot',
      path: folder,
    },
  ];
  for (const c of cases) {
    it(`${c.command} ${c.flag} ${c.path === folder ? 'a folder' : 'under a file'}`, async () => {
      const command = (await import(`../../src/cli/${c.command}.ts`)).default as CliCommand;
      const error = await command.run(c.args).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toContain(`${c.flag}: ${c.path}`);
    });
  }

  it('as a process: one line on stderr, exit 1, no stack trace, nothing written', async () => {
    const r = await runCliAsync(['run', '--task', 'maze2d-umaze', '--quiet', '--out', folder]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `df-planner run: --out: ${folder} is a folder; give a file name, e.g. ${join(folder, 'run-maze2d-umaze.png')}\n`,
    );
    expect(readdirSync(folder)).toEqual([]);
  });
});
