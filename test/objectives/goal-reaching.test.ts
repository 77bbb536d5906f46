import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { goalReaching, type ObjectiveContext } from '../../src/objectives/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { STEP, TOKEN, tinyMazeConfig, tinyMazeLayout } from '../planner/planner-fixtures.js';

const F = tinyMazeLayout.frameStack;
const { mean, std } = tinyMazeConfig.normalization;
const POS = 3; // position offset in a step: [action 2, reward 1, position 2, velocity 2]

/** Normalised tokens [H, 1, D] whose step j has raw position positions[j]; other dims random-ish. */
function tokensAt(positions: [number, number][]): tf.Tensor3D {
  const h = positions.length / F;
  const values = new Float32Array(h * TOKEN).map((_, i) => Math.sin(i));
  positions.forEach(([x, y], j) => {
    values[j * STEP + POS] = (x - mean[POS]!) / std[POS]!;
    values[j * STEP + POS + 1] = (y - mean[POS + 1]!) / std[POS + 1]!;
  });
  return tf.tensor3d(values, [h, 1, TOKEN]);
}

function ctx(h: number, goal: number[] | null, mask?: number[]): ObjectiveContext {
  return {
    layout: tinyMazeLayout,
    normalization: tinyMazeConfig.normalization,
    goal,
    stepMask: mask ? Float32Array.from(mask) : new Float32Array(h * F).fill(1),
    episodeSteps: 600,
  };
}

describe('goal_reaching', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('is −(T/(H·F))·Σ_j m_j‖p̂_j − g‖ (docs/diffusion-forcing.md §5.1), computed independently', () => {
    const positions: [number, number][] = [
      [1, 1],
      [2, 1.5],
      [4, 4],
      [0.5, 3],
    ];
    const goal = [3, 2];
    const mask = [1, 1, 1, 0];
    const j = tf.tidy(() => goalReaching.score(tokensAt(positions), ctx(2, goal, mask)).dataSync()[0]!);
    let sum = 0;
    positions.forEach(([x, y], i) => {
      sum += mask[i]! * Math.hypot(x - goal[0]!, y - goal[1]!);
    });
    expect(j).toBeCloseTo((-600 / (2 * F)) * sum, 2);
  });

  it('rises when a planned position moves toward the goal', () => {
    const goal = [3, 2];
    const far: [number, number][] = [
      [0, 0],
      [1, 1],
    ];
    const near: [number, number][] = [
      [0, 0],
      [2, 1.5],
    ];
    const score = (p: [number, number][]) =>
      tf.tidy(() => goalReaching.score(tokensAt(p), ctx(1, goal)).dataSync()[0]!);
    expect(score(near)).toBeGreaterThan(score(far));
  });

  it('has a finite gradient with a plan exactly at the goal', () => {
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(goalReaching.score(x as tf.Tensor3D, ctx(1, [3, 2]))))(
          tokensAt([
            [3, 2],
            [3, 2],
          ]),
        )
        .dataSync(),
    );
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
  });

  it('reads the goal size from the position field', () => {
    expect(goalReaching.goalSize(tinyMazeLayout)).toBe(2);
  });

  it('check lists a missing goal and bad goal values as ConfigError issues', () => {
    expect(() => goalReaching.check(ctx(1, null))).toThrow(ConfigError);
    try {
      goalReaching.check({ ...ctx(1, [1, Number.NaN, 3]), episodeSteps: 0 });
      expect.unreachable();
    } catch (error) {
      const paths = (error as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['goal', 'goal[1]', 'episodeSteps']));
    }
  });
});
