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

/** Starts the node, waits for "running", sends `signal`, returns the exit code and stderr. */
function runUntilSignal(
  args: string[],
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/df-planner.js'), 'node', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DF_BACKEND: 'wasm' },
    });
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start or stop in time:\n${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('running (Ctrl-C to stop)')) {
        sent = true;
        // Let it run a few control periods first.
        setTimeout(() => child.kill(signal), 300);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
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
      'SIGINT',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sampling_step: unknown parameter \(did you mean 'sampling_steps'\?\)/);
    expect(r.stderr).toMatch(/SIGINT: zero command published, node closed/);
  });

  it('SIGTERM (what ros2 launch sends after sigterm_timeout) does the same', async () => {
    const r = await runUntilSignal(['--transport', 'bus', '--model', model.dir, '--lockstep'], 'SIGTERM');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/task maze2d-umaze, lockstep/);
    expect(r.stderr).toMatch(/SIGTERM: zero command published/);
  });
});
