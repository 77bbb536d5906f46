/** `df-planner node` as a process: help, parameter table, refusals, and SIGINT/SIGTERM → zero command, exit 0. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { NODE_PARAMS } from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { saveMazeModel } from './maze-model.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;
beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel();
});
afterAll(() => model?.cleanup());

/**
 * Starts `df-planner node` (through `script`, default the bin), waits for "running", lets it run, sends each of
 * `signals` (1 ms apart), returns the exit code, stdout and stderr.
 */
function runUntilSignal(
  args: string[],
  signals: NodeJS.Signals[],
  script: string[] = [join(repoRoot, 'bin/df-planner.js'), 'node'],
): Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutAtSignal: number;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, DF_BACKEND: 'wasm' },
    });
    let stderr = '';
    let stdout = '';
    let stdoutAtSignal = -1;
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start or stop in time:\n${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('running (Ctrl-C to stop)')) {
        sent = true;
        // Let it run a few control periods first.
        setTimeout(() => {
          stdoutAtSignal = stdout.length;
          for (const [i, signal] of signals.entries()) setTimeout(() => child.kill(signal), i);
        }, 300);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, stdoutAtSignal });
    });
  });
}

describe('df-planner node', () => {
  it('prints the parameter table with every parameter', () => {
    const r = runCli(['node', '--params']);
    expect(r.status).toBe(0);
    for (const p of NODE_PARAMS) expect(r.stdout).toContain(`| \`${p.name}\` |`);
  });

  it('refuses a bad parameter override with its reason and exit 1', () => {
    const r = runCli([
      'node',
      '--transport',
      'bus',
      '--model',
      model.dir,
      '--task',
      'maze2d-umaze',
      '--ros-args',
      '-p',
      'horizon:=0',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/horizon.*outside \[1, 1000\]/);
  });

  it('refuses --transport ros without ROS 2, naming the fix', () => {
    const r = runCli(['node', '--transport', 'ros', '--model', model.dir], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ROS 2.*source \/opt\/ros/);
  });

  it('SIGINT: publishes the zero command, closes and exits 0; warns about unknown params-file entries', async () => {
    const file = join(model.dir, 'p.yaml');
    writeFileSync(file, 'planner:\n  ros__parameters:\n    sampling_step: 2\n');
    const r = await runUntilSignal(
      ['--transport', 'bus', '--model', model.dir, '--task', 'maze2d-umaze', '--params-file', file],
      ['SIGINT'],
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sampling_step: unknown parameter \(did you mean 'sampling_steps'\?\)/);
    expect(r.stderr).toMatch(/SIGINT: zero command published, node closed/);
  });

  it('SIGTERM (what ros2 launch sends after sigterm_timeout) does the same', async () => {
    const r = await runUntilSignal(['--transport', 'bus', '--model', model.dir, '--lockstep'], ['SIGTERM']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/task maze2d-umaze, lockstep/);
    expect(r.stderr).toMatch(/SIGTERM: zero command published/);
  });

  it('SIGINT seen from another node: commands flow, then the zero command is the last one on cmd_force', async () => {
    const r = await runUntilSignal(
      ['--transport', 'bus', '--model', model.dir, '--task', 'maze2d-umaze', '--planner-thread', 'inline'],
      ['SIGINT'],
      ['--import', 'tsx', join(repoRoot, 'test/node/signal-child.ts')],
    );
    expect(r.code).toBe(0);
    const commands = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { x: number; y: number });
    const before = r.stdout.slice(0, r.stdoutAtSignal).trim().split('\n').length;
    // The planner was really commanding the robot before the signal …
    expect(commands.slice(0, before).some((c) => c.x !== 0 || c.y !== 0)).toBe(true);
    // … and the observer's last command is the zero, published on the way out; nothing came after it.
    expect(commands.at(-1)).toEqual({ x: 0, y: 0, z: 0 });
    expect(r.stderr).toMatch(/SIGINT: zero command published, node closed/);
  });

  it('a second signal while closing exits at once with 130 and says so', async () => {
    const r = await runUntilSignal(
      ['--transport', 'bus', '--model', model.dir, '--task', 'maze2d-umaze'],
      ['SIGINT', 'SIGINT'],
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT again while stopping: exiting now \(130\)/);
  });
});
