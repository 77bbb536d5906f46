import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-schedule-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `df-planner schedule …args`. */
const cli = (...args: string[]) => runCli(['schedule', ...args]);

const workedExample = [
  [3, 3, 3],
  [2, 3, 3],
  [1, 2, 3],
  [0, 1, 2],
  [0, 0, 1],
  [0, 0, 0],
];

describe('df-planner schedule', () => {
  it('--json prints the worked example of docs/diffusion-forcing.md §4.2 as one JSON line', () => {
    const { status, stdout } = cli('--mode', 'pyramid', '--steps', '3', '--horizon', '3', '--json');
    expect(status).toBe(0);
    expect(stdout.trim().split('\n').length).toBe(1);
    expect(JSON.parse(stdout)).toEqual({ mode: 'pyramid', steps: 3, horizon: 3, rows: workedExample });
  });

  it('autoregressive S=3, H=3 has 10 rows; --real adds the DDIM levels', () => {
    const out = JSON.parse(
      cli('--mode', 'autoregressive', '--steps', '3', '--horizon', '3', '--json', '--real').stdout,
    );
    expect(out.rows.length).toBe(10);
    expect(out.levels).toBe(1000);
    expect(out.diffusionRows[0]).toEqual([999, 999, 999]);
    expect(out.diffusionRows[3]).toEqual([-1, 999, 999]);
  });

  it('prints a readable table with aligned columns by default', () => {
    const { status, stdout } = cli('--steps', '12', '--horizon', '4', '--uncertainty', '2');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^pyramid schedule: S=12 steps, H=4 tokens, u=2\n/);
    expect(stdout).toContain('19 rows, 18 transitions, 72 network calls per plan');
    const table = stdout.split('\n').filter((l) => /^\s*(row|\d+)( +(t\d+|\d+))+$/.test(l));
    expect(table.length).toBe(20);
    expect(table[0]!.trim().split(/\s+/)).toEqual(['row', 't0', 't1', 't2', 't3']);
    expect(table[5]!.trim().split(/\s+/).map(Number)).toEqual([4, 8, 10, 12, 12]);
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
  });

  it('--matrix checks and prints a user matrix (array or the --json object)', () => {
    const file = join(dir, 'good.json');
    writeFileSync(file, JSON.stringify(workedExample));
    expect(JSON.parse(cli('--matrix', file, '--json').stdout)).toEqual({
      mode: 'custom',
      steps: 3,
      horizon: 3,
      rows: workedExample,
    });
    const objectFile = join(dir, 'object.json');
    writeFileSync(objectFile, JSON.stringify({ mode: 'pyramid', steps: 3, horizon: 3, rows: workedExample }));
    expect(cli('--matrix', objectFile).stdout).toContain('custom schedule: S=3 steps, H=3 tokens');
  });

  it('a bad matrix exits 1 naming the row, column and value on stderr', () => {
    const file = join(dir, 'bad.json');
    const bad = workedExample.map((r) => [...r]);
    bad[4]![1] = 2;
    writeFileSync(file, JSON.stringify(bad));
    const { status, stdout, stderr } = cli('--matrix', file);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('row 4, column 1: level 2 rises from 1 in the row above');
    expect(stderr).toContain(file);
  });

  it('missing or conflicting options exit 1 with the flag named', () => {
    const missing = cli('--steps', '3');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('--horizon: is required');
    const conflict = cli('--matrix', join(dir, 'none.json'), '--horizon', '3');
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toContain('--horizon: is not used with --matrix');
  });
});
