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

interface SignalRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Length of stdout when the first signal was sent. */
  stdoutAtSignal: number;
}

/**
 * Starts `df-planner node` (through `options.script`, default the bin) and sends `signals[0]` once it runs
 * (`options.ready`, default: "running" logged, then 300 ms); each further signal once the process said it is
 * stopping (so two signals never merge into one pending signal). Resolves with the exit code and output.
 */
function runUntilSignal(
  args: string[],
  signals: NodeJS.Signals[],
  options: { script?: string[]; ready?: (stdout: string, stderr: string) => boolean } = {},
): Promise<SignalRun> {
  const script = options.script ?? [join(repoRoot, 'bin/df-planner.js'), 'node'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, DF_BACKEND: 'wasm' },
    });
    let stderr = '';
    let stdout = '';
    let stdoutAtSignal = -1;
    let next = 0;
    let runningSince: number | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start or stop in time:\n${stderr}`));
    }, 100_000);
    const send = () => {
      if (next === 0) {
        if (runningSince === null && stderr.includes('running (Ctrl-C to stop)')) runningSince = Date.now();
        const ready = options.ready
          ? options.ready(stdout, stderr)
          : runningSince !== null && Date.now() - runningSince >= 300;
        if (!ready) return;
        stdoutAtSignal = stdout.length;
      } else if (next >= signals.length || !/stopping \(send it again/.test(stderr)) return;
      child.kill(signals[next]!);
      next += 1;
    };
    const poll = setInterval(send, 20);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      send();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr, stdoutAtSignal });
    });
  });
}

/** Commands the signal-child's observer printed, one JSON line each. */
function observedCommands(stdout: string): { x: number; y: number; z: number }[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { x: number; y: number; z: number });
}

const nonZero = (c: { x: number; y: number }) => c.x !== 0 || c.y !== 0;

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
      {
        script: ['--import', 'tsx', join(repoRoot, 'test/node/signal-child.ts')],
        // Signal once the planner is really commanding the robot (a plan came back), not before.
        ready: (stdout) => observedCommands(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).some(nonZero),
      },
    );
    expect(r.code).toBe(0);
    const commands = observedCommands(r.stdout);
    expect(observedCommands(r.stdout.slice(0, r.stdoutAtSignal)).some(nonZero)).toBe(true);
    // The observer's last command is the zero, published on the way out; nothing came after it.
    expect(commands.at(-1)).toEqual({ x: 0, y: 0, z: 0 });
    expect(r.stderr).toMatch(/SIGINT: zero command published, node closed/);
  });

  it('a second signal while closing exits at once with 130 and says so', async () => {
    // Slow cold plans in the worker: closing waits for the plan in flight, so the second signal finds it closing.
    const r = await runUntilSignal(
      [
        '--transport',
        'bus',
        '--model',
        model.dir,
        '--task',
        'maze2d-umaze',
        '--ros-args',
        '-p',
        'sampling_steps:=1000',
        '-p',
        'warm_start:=false',
      ],
      ['SIGINT', 'SIGINT'],
      {
        script: ['--import', 'tsx', join(repoRoot, 'test/node/signal-child.ts')],
        // A command on the wire means the first plan was requested (and, at 1000 cold steps, is still running).
        ready: (stdout) => stdout.includes('\n'),
      },
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT again while stopping: exiting now \(130\)/);
    expect(r.stderr).not.toMatch(/zero command published, node closed/);
  });
});
