/**
 * Ctrl-C / SIGTERM during `df-planner run` (what `npm start` runs), as a real child process (issue 10): the sim
 * stops, the planner's zero command is seen on the command topic, the partial summary is printed and the picture
 * written, then exit 130; a second signal exits at once.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-run-signals-'));
const model = join(dir, 'umaze');
cpSync(join(repoRoot, 'models', 'maze2d-umaze'), model, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a 3-episode real-time umaze run with a JSON summary; once its progress line (every 100 steps off a
 * terminal) reaches step 100 of episode 0, sends `signals` one right after the other.
 */
function interruptedRun(png: string, signals: NodeJS.Signals[]): Promise<Result> {
  const args = ['run', '--task', 'maze2d-umaze', '--model', model, '--episodes', '3', '--json', '--out', png];
  const child = spawn(process.execPath, [join(repoRoot, 'bin/df-planner.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, DF_BACKEND: 'wasm' },
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    if (!sent && stderr.includes('episode 0 step 100')) {
      sent = true;
      for (const signal of signals) child.kill(signal);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('df-planner run interrupted', () => {
  it('SIGINT: stops the sim, publishes a zero command, prints the partial summary, writes the picture, exits 130', async () => {
    const png = join(dir, 'sigint.png');
    const r = await interruptedRun(png, ['SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping the sim');
    const summary = JSON.parse(r.stdout);
    expect(summary.interrupted).toBe('SIGINT');
    expect(summary.episodes).toHaveLength(1);
    expect(summary.episodes[0].interrupted).toBe(true);
    expect(summary.episodes[0].steps).toBeGreaterThanOrEqual(100);
    expect(summary.episodes[0].steps).toBeLessThan(300);
    // Observed on the command topic by another node of the bus, not read from a log line.
    expect(summary.stopCommands.at(-1)).toEqual([0, 0]);
    expect(existsSync(png)).toBe(true);
  });

  it('a second signal while stopping exits 130 at once, saying so', async () => {
    const png = join(dir, 'twice.png');
    const r = await interruptedRun(png, ['SIGTERM', 'SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    // Both are pending at once; the kernel hands them over in signal-number order (SIGINT first).
    expect(r.stderr).toMatch(/SIG(INT|TERM): stopping the sim/);
    expect(r.stderr).toMatch(/SIG(INT|TERM) again while stopping: exiting now \(130\)/);
    expect(r.stdout).toBe('');
  });
});
