/**
 * `df-planner node --record`: the node's own topics go to a ROS 2 bag that is finished cleanly on Ctrl-C
 * (the zero command published on close included), and a bad bag path is refused before the node starts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodeCommand from '../../src/cli/node.js';
import { silentLogger } from '../../src/logging.js';
import { initBackend } from '../../src/tensor/backend.js';
import { readBag } from '../helpers/read-bag.js';
import { saveMazeModel } from '../node/maze-model.js';
import { repoRoot } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-node-record-'));
let model: Awaited<ReturnType<typeof saveMazeModel>>;
beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel();
});
afterAll(() => {
  model?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function runThenSigint(args: string[]): Promise<{ code: number | null; stderr: string }> {
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
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('node --record', () => {
  it('records the node, finishes the bag on SIGINT (zero command included), exits 0', async () => {
    const file = join(dir, 'node.mcap');
    const r = await runThenSigint([
      '--transport',
      'bus',
      '--model',
      model.dir,
      '--task',
      'maze2d-umaze',
      '--record',
      file,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bag .*node\.mcap \(\d+ messages on \d+ topics/);
    const bag = await readBag(file);
    expect(bag.profile).toBe('ros2');
    const commands = bag.messages.filter((m) => m.type === 'geometry_msgs/msg/WrenchStamped');
    expect(commands.length).toBeGreaterThanOrEqual(1);
    const last = commands.at(-1)!.msg as { wrench: { force: { x: number; y: number } } };
    expect(last.wrench.force).toMatchObject({ x: 0, y: 0 });
  });

  it('refuses an existing bag before the node starts, and leaves it untouched', async () => {
    const file = join(dir, 'exists.mcap');
    writeFileSync(file, 'precious');
    await expect(
      nodeCommand.run(['--transport', 'bus', '--model', model.dir, '--record', file]),
    ).rejects.toThrow(/exists\.mcap: the file exists and a bag is never overwritten/);
    expect(readFileSync(file, 'utf8')).toBe('precious');
  });
});
