/**
 * Dataset generation against the published D4RL statistics (docs/maze2d.md §9.4, docs/diffusion-forcing.md §2.4).
 *
 * Tolerances, from the spread measured over six seeds of 100k umaze steps (the 2 % of docs/maze2d.md §9.4 holds for 1M):
 *   observation std   seen within 2.3 % of published → allow 5 %
 *   action std        seen within 0.5 %               → allow 2 %
 *   position mean     seen within 0.035 (umaze)       → allow 0.1 absolute
 *   velocity / action mean  seen |Δ| ≤ 0.003          → allow 0.02 absolute (published ≈ 0)
 *   reward mean       seen 0.077–0.090 vs 0.0813      → allow 0.02 absolute
 *   segment length    seen 79–83 steps (replica: 80)  → allow 70–90
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datasetStatistics,
  generateMazeDataset,
  type MazeDataset,
  readMazeDataset,
  segmentStatistics,
  writeMazeDataset,
} from '../../../sim/maze2d/dataset.js';
import { freeCells } from '../../../sim/maze2d/layouts.js';
import type { MazeEnv } from '../../../sim/maze2d/maze-env.js';
import { DatasetError } from '../../../src/errors.js';
import { makeMaze } from '../../helpers/make-maze.js';

const PUBLISHED_UMAZE = {
  observationMean: [1.9328, 2.3745, 2.06e-4, -1.02e-3],
  observationStd: [0.8997, 0.7093, 2.2129, 2.4682],
  actionMean: [0.00154, 0.00434],
  actionStd: [0.7043, 0.7506],
  rewardMean: 0.0813,
  rewardStd: 0.2732,
};
/** Per-axis speed cap 5·0.99761836 + 0.23816384 (§5.2); the published data's max |v| is its float32. */
const SPEED_CAP = 5 * 0.99761836 + 0.23816384;

const dir = mkdtempSync(join(tmpdir(), 'df-dataset-'));
let env: MazeEnv;
let data: MazeDataset;

beforeAll(async () => {
  env = await makeMaze('maze2d-umaze');
  data = generateMazeDataset(env, { steps: 100_000, seed: 7 });
});
afterAll(() => {
  env.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('generateMazeDataset: 100k noisy umaze steps vs the published statistics', () => {
  it('matches observation, action and reward statistics within the stated tolerances', () => {
    const s = datasetStatistics(data);
    const p = PUBLISHED_UMAZE;
    for (let k = 0; k < 4; k++) {
      const relStd = Math.abs(s.observationStd[k]! / p.observationStd[k]! - 1);
      expect(relStd, `observation std ${k}: ${s.observationStd[k]}`).toBeLessThan(0.05);
      const meanBound = k < 2 ? 0.1 : 0.02;
      const dMean = Math.abs(s.observationMean[k]! - p.observationMean[k]!);
      expect(dMean, `observation mean ${k}: ${s.observationMean[k]}`).toBeLessThan(meanBound);
    }
    for (let k = 0; k < 2; k++) {
      const relStd = Math.abs(s.actionStd[k]! / p.actionStd[k]! - 1);
      expect(relStd, `action std ${k}: ${s.actionStd[k]}`).toBeLessThan(0.02);
      expect(Math.abs(s.actionMean[k]! - p.actionMean[k]!), `action mean ${k}`).toBeLessThan(0.02);
    }
    expect(Math.abs(s.rewardMean - p.rewardMean), `reward mean ${s.rewardMean}`).toBeLessThan(0.02);
    // Bernoulli: std = √(m(1 − m)), so the reward std follows from the mean.
    expect(s.rewardStd).toBeCloseTo(Math.sqrt(s.rewardMean * (1 - s.rewardMean)), 6);
  });

  it('reaches the published speed cap and the walls, as the noisy D4RL data does', () => {
    let maxSpeed = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let t = 0; t <= data.steps; t++) {
      const o = data.observations.subarray(4 * t, 4 * t + 4);
      maxSpeed = Math.max(maxSpeed, Math.abs(o[2]!), Math.abs(o[3]!));
      lo = Math.min(lo, o[0]!, o[1]!);
      hi = Math.max(hi, o[0]!, o[1]!);
    }
    expect(Math.abs(maxSpeed - SPEED_CAP)).toBeLessThan(1e-6);
    // Far wall faces at 3.3: a resting ball (r 0.1) sits at 3.1966, impacts press ~1–2 cm further, like the
    // published large data's 7.216 against the face at 7.3. The clean expert never gets past 3.06.
    expect(hi).toBeGreaterThan(3.19);
    expect(hi).toBeLessThan(3.23);
    // Near faces at 0.3: never deeper than a few cm into a wall.
    expect(lo).toBeGreaterThan(0.36);
  });

  it('has D4RL-like goal segments: ~80 steps, none ended by the time limit', () => {
    const seg = segmentStatistics(data);
    expect(seg.meanSegmentLength).toBeGreaterThan(70);
    expect(seg.meanSegmentLength).toBeLessThan(90);
    expect(seg.timeLimitEnds).toBe(0);
  });

  it('records clean transitions: no stale observation at segment boundaries', () => {
    // One step moves at most h·v_max = 0.0523; D4RL's stale record would show a repeat then a 2-step jump.
    let repeats = 0;
    let maxStep = 0;
    for (let t = 0; t < data.steps; t++) {
      const dx = data.observations[4 * (t + 1)]! - data.observations[4 * t]!;
      const dy = data.observations[4 * (t + 1) + 1]! - data.observations[4 * t + 1]!;
      if (dx === 0 && dy === 0) repeats += 1;
      maxStep = Math.max(maxStep, Math.abs(dx), Math.abs(dy));
    }
    expect(repeats).toBe(0);
    expect(maxStep).toBeLessThanOrEqual(0.01 * SPEED_CAP + 1e-6);
  });

  it('relabels rewards against the eval goal from obs[t] (D4RL) and obs[t+1] (env)', () => {
    const inside = (t: number) =>
      Math.hypot(data.observations[4 * t]! - 1, data.observations[4 * t + 1]! - 1) <= 0.5 ? 1 : 0;
    for (let t = 0; t < data.steps; t += 7) {
      expect(data.rewards[t]).toBe(inside(t));
      expect(data.rewardsNext[t]).toBe(inside(t + 1));
    }
  });

  it('keeps one random goal per segment, near a free cell, and draws a new one after each timeout', () => {
    const cells = freeCells('umaze');
    let changes = 0;
    for (let t = 0; t + 1 < data.steps; t++) {
      const same =
        data.goals[2 * t] === data.goals[2 * (t + 1)] &&
        data.goals[2 * t + 1] === data.goals[2 * (t + 1) + 1];
      if (data.timeouts[t] === 0) expect(same).toBe(true);
      else if (!same) changes += 1;
      if (t % 97 === 0) {
        const near = cells.some(
          ([i, j]) =>
            Math.abs(data.goals[2 * t]! - i) <= 0.1 + 1e-6 &&
            Math.abs(data.goals[2 * t + 1]! - j) <= 0.1 + 1e-6,
        );
        expect(near).toBe(true);
      }
    }
    // A new goal lands in the same cell 1 time in 7 and still differs by its jitter.
    expect(changes).toBe(segmentStatistics(data).segments - (data.timeouts[data.steps - 1] === 1 ? 1 : 0));
  });
});

describe('generateMazeDataset: clean expert and determinism', () => {
  it('without noise stays within ~0.06 of the waypoint boxes [i−0.2, i] (§9.4), never touching walls', () => {
    const clean = generateMazeDataset(env, { steps: 20_000, seed: 3, noise: 0 });
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    // Skip the first segment: the reset start is the cell ± 0.1 with velocity noise.
    const firstEnd = clean.timeouts.indexOf(1);
    for (let t = firstEnd + 1; t < clean.steps; t++) {
      lo = Math.min(lo, clean.observations[4 * t]!, clean.observations[4 * t + 1]!);
      hi = Math.max(hi, clean.observations[4 * t]!, clean.observations[4 * t + 1]!);
    }
    expect(lo).toBeGreaterThan(0.8 - 0.1);
    expect(hi).toBeLessThan(3 + 0.1);
  });

  it('repeats exactly for a seed and differs for another', () => {
    const a = generateMazeDataset(env, { steps: 3000, seed: 11 });
    const b = generateMazeDataset(env, { steps: 3000, seed: 11 });
    const c = generateMazeDataset(env, { steps: 3000, seed: 12 });
    expect(Buffer.from(a.observations.buffer).equals(Buffer.from(b.observations.buffer))).toBe(true);
    expect(Buffer.from(a.actions.buffer).equals(Buffer.from(c.actions.buffer))).toBe(false);
  });

  it('refuses a bad step count or noise', () => {
    expect(() => generateMazeDataset(env, { steps: 0, seed: 0 })).toThrow(
      /steps must be a whole number ≥ 1, got 0/,
    );
    expect(() => generateMazeDataset(env, { steps: 10, seed: 0, noise: -1 })).toThrow(/noise σ .* got -1/);
  });
});

describe('dataset file format', () => {
  let small: MazeDataset;
  let path: string;
  beforeAll(() => {
    small = generateMazeDataset(env, { steps: 2500, seed: 5 });
    path = join(dir, 'umaze.bin');
    writeMazeDataset(path, small);
  });

  it('round-trips every array and writes the sidecar', () => {
    const back = readMazeDataset(path, { expectTask: 'maze2d-umaze' });
    expect(back.task).toBe('maze2d-umaze');
    expect(back.steps).toBe(2500);
    expect(back.seed).toBe(5);
    expect(back.noise).toBe(0.5);
    for (const key of ['observations', 'actions', 'rewards', 'rewardsNext', 'goals', 'timeouts'] as const) {
      expect(Array.from(back[key])).toEqual(Array.from(small[key]));
    }
    const sidecar = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
    expect(sidecar).toMatchObject({ task: 'maze2d-umaze', seed: 5, steps: 2500, noise: 0.5 });
    expect(sidecar.format.version).toBe(1);
    expect(sidecar.statistics.observationStd).toEqual(datasetStatistics(small).observationStd);
    expect(sidecar.command).toContain('--task maze2d-umaze --steps 2500 --seed 5');
  });

  it('has the documented size: header + 4 bytes × (4(N+1) + 2N + N + N + 2N + N)', () => {
    const n = 2500;
    const header = Math.ceil((72 + 6 * 24) / 8) * 8;
    expect(readFileSync(path).length).toBe(header + 4 * (4 * (n + 1) + 7 * n));
    expect(readFileSync(path).toString('ascii', 0, 8)).toBe('DFMAZE2D');
  });

  it('a truncated file names the file, bytes expected vs found, and the exact regenerate command', () => {
    const cut = join(dir, 'cut.bin');
    writeFileSync(cut, readFileSync(path));
    const full = readFileSync(cut).length;
    truncateSync(cut, full - 1000);
    const err = catchError(() => readMazeDataset(cut));
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toContain(cut);
    expect(err.message).toContain(`expected ${full} bytes`);
    expect(err.message).toContain(`found ${full - 1000}`);
    expect(err.message).toContain(
      `df-planner dataset --task maze2d-umaze --steps 2500 --seed 5 --noise 0.5 --out ${cut}`,
    );
  });

  it('a file cut inside the header is reported as truncated', () => {
    const cut = join(dir, 'stub.bin');
    writeFileSync(cut, readFileSync(path).subarray(0, 40));
    expect(() => readMazeDataset(cut)).toThrow(/truncated: 40 bytes/);
  });

  it('a dataset of another task names both tasks', () => {
    const err = catchError(() => readMazeDataset(path, { expectTask: 'maze2d-large' }));
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/holds task 'maze2d-umaze' but 'maze2d-large' was requested/);
  });

  it('bad magic and unknown versions are refused', () => {
    const bytes = readFileSync(path);
    const badMagic = join(dir, 'magic.bin');
    writeFileSync(badMagic, Buffer.concat([Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'), bytes.subarray(8)]));
    expect(() => readMazeDataset(badMagic)).toThrow(/not a df-planner Maze2D dataset/);
    const badVersion = join(dir, 'version.bin');
    const copy = Buffer.from(bytes);
    copy.writeUInt32LE(2, 8);
    writeFileSync(badVersion, copy);
    expect(() => readMazeDataset(badVersion)).toThrow(/format version 2, this build reads version 1/);
  });

  it('a missing file says how to generate one', () => {
    expect(() => readMazeDataset(join(dir, 'nope.bin'), { expectTask: 'maze2d-medium' })).toThrow(
      /df-planner dataset --task maze2d-medium/,
    );
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
