import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMazeDataset, type MazeDataset, writeMazeDataset } from '../../../sim/maze2d/dataset.js';
import type { MazeEnv } from '../../../sim/maze2d/maze-env.js';
import {
  MAZE_ACTION_STD,
  mazeNormalization,
  mazeSequenceDataset,
  mazeTokenLayout,
  mazeTrainingTask,
} from '../../../sim/maze2d/training-task.js';
import { ConfigError, DatasetError } from '../../../src/errors.js';
import { createRng } from '../../../src/math/rng.js';
import { stepSize, tokenSize } from '../../../src/tasks/token-layout.js';
import { makeMaze } from '../../helpers/make-maze.js';

let env: MazeEnv;
let data: MazeDataset;
let dir: string;

beforeAll(async () => {
  env = await makeMaze('maze2d-umaze');
  data = generateMazeDataset(env, { steps: 5000, seed: 3 });
  dir = mkdtempSync(join(tmpdir(), 'df-maze-task-'));
});
afterAll(() => {
  env.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mazeTokenLayout', () => {
  it('is [action 2, reward 1, position 2, velocity 2] per step, 70 numbers at F = 10', () => {
    const layout = mazeTokenLayout();
    expect(layout.fields.map((f) => [f.name, f.kind, f.size])).toEqual([
      ['action', 'action', 2],
      ['reward', 'reward', 1],
      ['position', 'observation', 2],
      ['velocity', 'observation', 2],
    ]);
    expect(stepSize(layout)).toBe(7);
    expect(tokenSize(layout)).toBe(70);
  });
});

describe('mazeNormalization', () => {
  it('fixes action std 2 and reward 0/1, and takes the observation statistics from the data', () => {
    const norm = mazeNormalization(data);
    expect(norm.mean.slice(0, 3)).toEqual([0, 0, 0]);
    expect(norm.std.slice(0, 3)).toEqual([MAZE_ACTION_STD, MAZE_ACTION_STD, 1]);
    const n = data.steps + 1;
    let sx = 0;
    for (let t = 0; t < n; t++) sx += data.observations[t * 4]!;
    expect(norm.mean[3]).toBeCloseTo(sx / n, 6);
    for (const s of norm.std.slice(3)) expect(s).toBeGreaterThan(0.1);
  });
});

describe('mazeSequenceDataset.sampleBatch', () => {
  it('cuts windows whose tokens are the recorded steps [a_j, r_j, o_{j+1}] after the first observation o_s', () => {
    const ds = mazeSequenceDataset(data, 5);
    const { mean, std } = ds.normalization;
    const tokens = 4;
    const batch = 3;
    const batchData = ds.sampleBatch(batch, tokens, createRng(11));
    const d = 7;
    const tokenDim = 5 * d;
    expect(batchData.x0.length).toBe(tokens * batch * tokenDim);
    expect(batchData.mask.every((m) => m === 1)).toBe(true);
    for (let b = 0; b < batch; b++) {
      // Recover the window start from the first observation, then check every entry against the raw arrays.
      const ox = batchData.firstObservation![b * 4]! * std[3]! + mean[3]!;
      const oy = batchData.firstObservation![b * 4 + 1]! * std[4]! + mean[4]!;
      let s = -1;
      for (let t = 0; t <= data.steps; t++) {
        if (
          Math.abs(data.observations[t * 4]! - ox) < 1e-5 &&
          Math.abs(data.observations[t * 4 + 1]! - oy) < 1e-5
        ) {
          s = t;
          break;
        }
      }
      expect(s).toBeGreaterThanOrEqual(0);
      for (let t = 0; t < tokens; t++) {
        for (let f = 0; f < 5; f++) {
          const j = s + t * 5 + f;
          const o = (t * batch + b) * tokenDim + f * d;
          const raw = [
            data.actions[j * 2]!,
            data.actions[j * 2 + 1]!,
            data.rewardsNext[j]!,
            ...data.observations.subarray((j + 1) * 4, (j + 2) * 4),
          ];
          for (let k = 0; k < d; k++) {
            expect(batchData.x0[o + k]! * std[k]! + mean[k]!).toBeCloseTo(raw[k]!, 4);
          }
        }
      }
    }
  });

  it('is reproducible from the rng alone', () => {
    const ds = mazeSequenceDataset(data);
    const a = ds.sampleBatch(4, 6, createRng(5));
    const b = ds.sampleBatch(4, 6, createRng(5));
    expect(Array.from(a.x0)).toEqual(Array.from(b.x0));
  });

  it('refuses a window longer than the dataset, naming the fix', () => {
    const ds = mazeSequenceDataset(data);
    expect(() => ds.sampleBatch(1, 600, createRng(1))).toThrow(ConfigError);
    expect(() => ds.sampleBatch(1, 600, createRng(1))).toThrow(/fewer --tokens/);
  });
});

describe('maze training tasks', () => {
  it('reads a dataset file of the right task and refuses one of another task', () => {
    const file = join(dir, 'umaze.bin');
    writeMazeDataset(file, data);
    const ds = mazeTrainingTask('maze2d-umaze').createDataset({ dataFile: file, frameStack: 10 });
    expect(ds.layout.frameStack).toBe(10);
    expect(ds.id).toContain('maze2d-umaze');
    expect(() => mazeTrainingTask('maze2d-medium').createDataset({ dataFile: file })).toThrow(DatasetError);
  });

  it('names the regenerate command when the file is missing', () => {
    expect(() => mazeTrainingTask('maze2d-large').createDataset({ dataFile: join(dir, 'nope.bin') })).toThrow(
      /df-planner dataset --task maze2d-large/,
    );
  });
});
