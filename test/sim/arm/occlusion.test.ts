/** The corrupted fruit readings of `eval --occlude` (sim/arm/occlusion.ts): what is corrupted, how and when. */
import { describe, expect, it } from 'vitest';
import {
  CAMERA_OFFSET,
  corruptCamera,
  createOcclusion,
  OCCLUSION_MOVE_CAP_STEPS,
  OCCLUSION_WINDOW_FIRST_START,
  OCCLUSION_WINDOW_LAST_START,
  OCCLUSION_WINDOW_STEPS,
} from '../../../sim/arm/occlusion.js';

/** An observation whose value k is `base + k` (joints 0–8, apple 9–11, orange 12–14). */
const reading = (base: number) => Float64Array.from({ length: 15 }, (_, k) => base + k);

describe('corruptCamera', () => {
  it('changes only the six fruit numbers, the zeros / stale / distractor way, and leaves the input alone', () => {
    const obs = reading(100);
    const before = obs.slice();
    const stale = reading(7).slice(CAMERA_OFFSET, CAMERA_OFFSET + 6);
    const zeros = corruptCamera(obs, 'zeros', stale);
    const frozen = corruptCamera(obs, 'stale', stale);
    const swapped = corruptCamera(obs, 'distractor', stale);
    for (const out of [zeros, frozen, swapped])
      expect(Array.from(out.subarray(0, 9))).toEqual(Array.from(obs.subarray(0, 9)));
    expect(Array.from(zeros.subarray(9))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(frozen.subarray(9))).toEqual([16, 17, 18, 19, 20, 21]);
    expect(Array.from(swapped.subarray(9))).toEqual([112, 113, 114, 109, 110, 111]);
    expect(Array.from(corruptCamera(obs, 'stale', null).subarray(9))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(obs)).toEqual(Array.from(before));
  });
});

/** Runs an occlusion over `steps` steps with the move count `moves(t)`; returns the flagged steps. */
function flagged(occlusion: ReturnType<typeof createOcclusion>, steps: number, moves: (t: number) => number) {
  const out: number[] = [];
  for (let t = 1; t <= steps; t++) if (occlusion.sense(reading(t), t, moves(t)).noisy) out.push(t);
  return out;
}

describe('createOcclusion', () => {
  it('window: 30 consecutive steps starting in [20, 220], drawn per reset seed', () => {
    const starts = new Set<number>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const o = createOcclusion({ window: 'window', mode: 'zeros' }, seed);
      const steps = flagged(o, 400, () => 0);
      expect(steps).toHaveLength(OCCLUSION_WINDOW_STEPS);
      expect(steps.at(-1)! - steps[0]!).toBe(OCCLUSION_WINDOW_STEPS - 1);
      expect(steps[0]).toBeGreaterThanOrEqual(OCCLUSION_WINDOW_FIRST_START);
      expect(steps[0]).toBeLessThanOrEqual(OCCLUSION_WINDOW_LAST_START);
      expect(o.occludedSteps).toBe(OCCLUSION_WINDOW_STEPS);
      starts.add(steps[0]!);
    }
    expect(starts.size).toBeGreaterThan(1);
    // The same seed draws the same window.
    const again = (seed: number) =>
      flagged(createOcclusion({ window: 'window', mode: 'zeros' }, seed), 400, () => 0);
    expect(again(3)).toEqual(again(3));
  });

  it('move: from the step after the first move completes until the second completes (capped at 100 steps)', () => {
    const moves = (t: number) => (t < 80 ? 0 : t < 150 ? 1 : t < 230 ? 2 : 3);
    expect(flagged(createOcclusion({ window: 'move', mode: 'stale' }, 1), 400, moves)).toEqual(
      Array.from({ length: 149 - 80 }, (_, k) => 81 + k),
    );
    const stuck = flagged(createOcclusion({ window: 'move', mode: 'stale' }, 1), 400, (t) =>
      t < 80 ? 0 : 1,
    );
    expect(stuck[0]).toBe(81);
    expect(stuck).toHaveLength(OCCLUSION_MOVE_CAP_STEPS);
    // No first move, no occlusion.
    expect(flagged(createOcclusion({ window: 'move', mode: 'stale' }, 1), 400, () => 0)).toEqual([]);
  });

  it('rest: from the step after the first move to the end; stale repeats the last clean reading', () => {
    const o = createOcclusion({ window: 'rest', mode: 'stale' }, 9);
    const seen: number[] = [];
    for (let t = 1; t <= 200; t++) {
      const out = o.sense(reading(t), t, t < 50 ? 0 : 1);
      seen.push(out.observation[CAMERA_OFFSET]!);
      expect(out.noisy).toBe(t > 50);
    }
    expect(seen[48]).toBe(49 + CAMERA_OFFSET);
    expect(seen[49]).toBe(50 + CAMERA_OFFSET); // the step that shows the first move done is still clean
    expect(new Set(seen.slice(50))).toEqual(new Set([50 + CAMERA_OFFSET]));
    expect(o.occludedSteps).toBe(150);
  });
});
