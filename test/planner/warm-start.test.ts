import { describe, expect, it } from 'vitest';
import { alphaBarAt, createRng, ddimLevels, matrixTransitions, noiseSchedule } from '../../src/math/index.js';
import { warmDelays, warmMatrix, warmStart } from '../../src/planner/warm-start.js';

const schedule = noiseSchedule('linear', 1000);

describe('warm start', () => {
  it('delays: r0 + ⌊t·u⌋ for reused tokens, at least S for fresh ones', () => {
    expect(Array.from(warmDelays(8, 6, 10, 1, 3))).toEqual([3, 4, 5, 6, 7, 8, 10, 10]);
    expect(Array.from(warmDelays(5, 5, 10, 2, 3))).toEqual([3, 5, 7, 9, 11]);
    expect(Array.from(warmDelays(4, 4, 10, 0.5, 3))).toEqual([3, 3, 4, 4]);
    expect(Array.from(warmDelays(14, 12, 10, 1, 3)).slice(10)).toEqual([13, 14, 15, 16]);
    expect(Array.from(warmDelays(4, 2, 10, 1, 3))).toEqual([3, 4, 10, 10]);
  });

  it('is the cold pyramid without its first S − r0 rows: tokens wait at S, token 0 ends clean', () => {
    const delays = Int32Array.from([3, 4, 5, 12]);
    const matrix = warmMatrix(delays, 10, 4);
    expect(matrix.rows).toEqual([
      [3, 4, 5, 10],
      [2, 3, 4, 10],
      [1, 2, 3, 10],
      [0, 1, 2, 9],
      [0, 0, 1, 8],
    ]);
    expect(matrixTransitions(matrix)).toHaveLength(4); // the transitions run without a ScheduleError
    expect(warmMatrix(Int32Array.from([2, 3]), 10, 50).rows).toHaveLength(4); // 3 rows make everything clean
    // Starting S − r0 rows into a cold pyramid gives the same rows.
    const cold: number[][] = [];
    for (let m = 7; m <= 11; m++) cold.push([0, 1, 2, 9].map((t) => Math.min(10, Math.max(0, 10 + t - m))));
    expect(warmMatrix(Int32Array.from([3, 4, 5, 12]), 10, 4).rows).toEqual(cold);
  });

  it('shifts the previous plan by the executed tokens and re-noises token t to its level', () => {
    const d = 3;
    const previous = Float32Array.from([0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // 4 tokens
    const horizon = 4;
    const batch = 2;
    const result = warmStart({
      previous,
      previousHorizon: 4,
      shift: 1,
      horizon,
      batch,
      tokenSize: d,
      steps: 10,
      uncertainty: 1,
      stepsLeft: 2,
      rows: 3,
      schedule,
      rng: createRng(5),
      clipNoise: 20,
    })!;
    const noise = createRng(5).fillNormal(new Float32Array(horizon * batch * d), 20);
    const levels = ddimLevels(10, 1000);
    expect(Array.from(result.stepsLeft)).toEqual([2, 3, 4, 10]); // 3 reused tokens, one fresh
    for (let t = 0; t < horizon; t++) {
      const ab = t < 3 ? alphaBarAt(schedule, levels[10 - result.stepsLeft[t]!]!) : 0;
      for (let b = 0; b < batch; b++) {
        for (let k = 0; k < d; k++) {
          const i = (t * batch + b) * d + k;
          const clean = t < 3 ? previous[(t + 1) * d + k]! : 0;
          expect(result.tokens[i]).toBeCloseTo(Math.sqrt(ab) * clean + Math.sqrt(1 - ab) * noise[i]!, 5);
        }
      }
    }
    // Each sample has its own noise.
    expect(result.tokens[0]).not.toBeCloseTo(result.tokens[d]!, 3);
  });

  it('returns null when the previous plan does not reach into the new one', () => {
    const args = {
      previous: new Float32Array(6),
      previousHorizon: 2,
      horizon: 2,
      batch: 1,
      tokenSize: 3,
      steps: 10,
      uncertainty: 1,
      stepsLeft: 3,
      rows: 3,
      schedule,
      rng: createRng(0),
      clipNoise: 20,
    };
    expect(warmStart({ ...args, shift: 2 })).toBeNull();
    expect(warmStart({ ...args, shift: 1 })).not.toBeNull();
  });
});
