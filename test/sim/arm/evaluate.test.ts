/**
 * The arm's episode scoring (sim/arm/evaluate.ts): move bookkeeping on hand-made arrangement streams, the
 * summary numbers, and a short real run of the scripted expert on the MuJoCo arm through the shared runner.
 */
import { describe, expect, it } from 'vitest';
import {
  armExpertPolicy,
  evaluateArmPolicy,
  moveCounter,
  restingArrangement,
  summarizeArmEpisodes,
  swapPath,
} from '../../../sim/arm/index.js';
import { createRng } from '../../../src/math/rng.js';
import { makeArm } from '../../helpers/make-arm.js';

describe('arm move bookkeeping', () => {
  it('the swap path of each case is start → apple in C → orange moved → goal', () => {
    expect(swapPath('AB')).toEqual(['AB', 'CB', 'CA', 'BA']);
    expect(swapPath('BA')).toEqual(['BA', 'CA', 'CB', 'AB']);
  });

  it('a resting arrangement needs both fruits in two different slots', () => {
    expect(restingArrangement({ apple: 'C', orange: 'B' })).toBe('CB');
    expect(restingArrangement({ apple: null, orange: 'B' })).toBeNull();
    expect(restingArrangement({ apple: 'B', orange: 'B' })).toBeNull();
  });

  it('counts moves along the path as right and every other change as wrong', () => {
    const right = moveCounter('AB');
    for (const a of ['AB', null, 'CB', 'CB', null, 'CA', null, 'BA'] as const) right.update(a);
    expect([right.moves, right.wrongMoves]).toEqual([3, 0]);
    // The memoryless mistake of case BA: after apple → C (CA) it moves the apple back instead of the orange.
    const wrong = moveCounter('BA');
    for (const a of ['CA', 'BA', 'CA', 'CB', 'AB'] as const) wrong.update(a);
    expect([wrong.moves, wrong.wrongMoves]).toEqual([5, 1]);
    // Off the path, every move is wrong until it returns to the path's next arrangement.
    const lost = moveCounter('AB');
    for (const a of ['AC', 'CB'] as const) lost.update(a);
    expect([lost.moves, lost.wrongMoves]).toEqual([2, 2]);
  });

  it('summarises success with a Wilson interval, per case, wrong moves and time to success', () => {
    const ep = (c: 'AB' | 'BA', success: boolean, wrongMoves: number, successStep: number | null) => ({
      case: c,
      success,
      successStep,
      moves: 3 + wrongMoves,
      wrongMoves,
      occludedSteps: 0,
    });
    const s = summarizeArmEpisodes(
      [ep('AB', true, 0, 200), ep('AB', true, 0, 240), ep('BA', false, 1, null), ep('BA', true, 0, 260)],
      0.1,
    );
    expect(s.successRate).toBe(0.75);
    expect(s.successCi95[0]).toBeCloseTo(0.3006, 3);
    expect(s.successCi95[1]).toBeCloseTo(0.9544, 3);
    expect(s.perCase.AB).toEqual({ episodes: 2, successes: 2, successRate: 1 });
    expect(s.perCase.BA).toEqual({ episodes: 2, successes: 1, successRate: 0.5 });
    expect(s.wrongMovesMean).toBe(0.25);
    expect(s.episodesWithWrongMoves).toBe(0.25);
    expect(s.timeToSuccessMean).toBeCloseTo(23.333, 2);
  });
});

describe('evaluateArmPolicy on the MuJoCo arm', () => {
  it('the scripted expert swaps both cases with three right moves; slots and path are recorded', async () => {
    const env = await makeArm();
    const result = await evaluateArmPolicy(
      () => env,
      armExpertPolicy(() => env.truth(), createRng(3)),
      {
        episodes: 2,
        seed: 4,
        balanceCases: true,
        recordEpisodes: 1,
      },
    );
    expect(result.records.map((r) => r.case)).toEqual(['AB', 'BA']);
    expect(result.successRate).toBe(1);
    expect(result.records.map((r) => [r.moves, r.wrongMoves])).toEqual([
      [3, 0],
      [3, 0],
    ]);
    const first = result.records[0]!;
    expect(first.successStep).toBeGreaterThan(150);
    expect(first.successStep).toBeLessThan(300);
    expect(first.slots).toHaveLength(2 * 401);
    expect(first.path).toHaveLength(2 * 401);
    expect(Array.from(first.slots!.subarray(0, 2))).toEqual([0, 2]); // AB: apple in A, orange in B
    expect(Array.from(first.slots!.subarray(800))).toEqual([2, 0]); // swapped
    expect(result.records[1]!.slots).toBeUndefined();
  }, 60_000);
});
