import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { armEpisodes, readArmDataset } from '../../sim/arm/dataset.js';
import { readMazeDataset } from '../../sim/maze2d/dataset.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-dataset-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `df-planner dataset …args`. */
const cli = (...args: string[]) => runCli(['dataset', ...args]);

describe('df-planner dataset', () => {
  const out = join(dir, 'nested', 'medium.bin');

  it('writes the binary and the sidecar and prints the sidecar with --json', () => {
    const r = cli('--task', 'maze2d-medium', '--steps', '4000', '--seed', '3', '--out', out, '--json');
    expect(r.status).toBe(0);
    const printed = JSON.parse(r.stdout);
    const sidecar = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(printed).toMatchObject({ out, task: 'maze2d-medium', seed: 3, steps: 4000, noise: 0.5 });
    expect(sidecar.format).toMatchObject({ version: 1, byteOrder: 'little-endian', dtype: 'float32' });
    for (const key of [
      'observationMean',
      'observationStd',
      'actionMean',
      'actionStd',
      'rewardMean',
      'rewardStd',
    ]) {
      expect(sidecar.statistics).toHaveProperty(key);
    }
    expect(sidecar.staleObservationQuirk).toBe(false);
    const data = readMazeDataset(out, { expectTask: 'maze2d-medium' });
    expect(data.steps).toBe(4000);
  });

  it('the reader error for a truncated file gives the exact command, which regenerates the same file', () => {
    const original = readFileSync(out);
    truncateSync(out, original.length - 4);
    let message = '';
    try {
      readMazeDataset(out);
    } catch (err) {
      message = (err as Error).message;
    }
    const command = /regenerate it with: df-planner dataset (.*)$/.exec(message)?.[1];
    expect(command).toBeDefined();
    const r = cli(...command!.split(' '));
    expect(r.status).toBe(0);
    expect(readFileSync(out).equals(original)).toBe(true);
  });

  it('an unknown task exits 1 and lists the valid ones', () => {
    const r = cli('--task', 'maze2d-huge', '--steps', '10', '--out', join(dir, 'x.bin'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/maze2d-umaze, maze2d-medium, maze2d-large/);
    expect(existsSync(join(dir, 'x.bin'))).toBe(false);
  });

  it('--task arm-swap records demos (training, then validation) and reports the leak check', () => {
    const arm = join(dir, 'arm.bin');
    const r = cli(
      '--task',
      'arm-swap',
      '--demos',
      '1',
      '--val-demos',
      '1',
      '--seed',
      '2',
      '--out',
      arm,
      '--json',
    );
    expect(r.status).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed).toMatchObject({ out: arm, task: 'arm-swap', seed: 2, noise: 0.005 });
    expect(printed.episodes).toMatchObject({ demos: 1, validationDemos: 1, successes: 2 });
    expect(printed.leakCheck.groups).toHaveLength(4);
    const episodes = armEpisodes(readArmDataset(arm, { expectTask: 'arm-swap' }));
    expect(episodes.map((e) => e.validation)).toEqual([false, true]);
  });

  it('missing --out or --steps is reported with every problem at once', () => {
    const r = cli('--task', 'maze2d-umaze');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--steps: is required/);
    expect(r.stderr).toMatch(/--out: is required/);
  });
});
