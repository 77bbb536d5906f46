/**
 * The evaluation hooks a replanning policy needs (episode context, observe, endEpisode traces), splitting a run
 * with `episodeOffset`, and cutting episodes with `maxSteps` — on the real MuJoCo umaze env. The probe policy
 * is a real (if poor) controller: it pushes towards the goal and logs what it was handed.
 */
import { describe, expect, it } from 'vitest';
import type { EnvInfo } from '../../../sim/env.js';
import {
  type EpisodeContext,
  evaluatePolicy,
  type Policy,
  type PolicyTrace,
} from '../../../sim/maze2d/evaluate.js';
import { makeMaze } from '../../helpers/make-maze.js';

interface ProbeLog {
  contexts: EpisodeContext[];
  actObs: number[][];
  observed: { obs: number[]; reward: number; info: EnvInfo }[];
}

/** Proportional push towards info.goal; a plan every 5 steps reports its step and the current position. */
function probePolicy(): Policy & { log: ProbeLog } {
  const log: ProbeLog = { contexts: [], actObs: [], observed: [] };
  let plans: { step: number; ms: number; plan?: Float64Array }[] = [];
  let steps = 0;
  let recorded = false;
  return {
    log,
    reset(_obs, _info, episode) {
      log.contexts.push(episode!);
      plans = [];
      steps = 0;
      recorded = episode!.recorded;
    },
    act(obs, info) {
      log.actObs.push([...obs]);
      if (steps % 5 === 0) {
        plans.push({
          step: steps,
          ms: 0.5,
          ...(recorded ? { plan: Float64Array.of(obs[0]!, obs[1]!) } : {}),
        });
      }
      const g = info.goal!;
      return Float64Array.of(
        Math.max(-1, Math.min(1, 2 * (g[0]! - obs[0]!))),
        Math.max(-1, Math.min(1, 2 * (g[1]! - obs[1]!))),
      );
    },
    observe(obs, reward, info) {
      steps += 1;
      log.observed.push({ obs: [...obs], reward, info });
    },
    endEpisode(): PolicyTrace {
      return { plans, actMs: new Float64Array(steps).fill(0.01) };
    },
  };
}

describe('evaluatePolicy hooks', () => {
  it('hands reset the episode context, observe every post-step outcome, and stores the trace', async () => {
    const policy = probePolicy();
    let stepCalls = 0;
    const result = await evaluatePolicy(() => makeMaze('maze2d-umaze'), policy, {
      episodes: 3,
      seed: 2,
      maxSteps: 40,
      recordTrajectories: true,
      recordEpisodes: 2,
      onStep: () => {
        stepCalls += 1;
      },
    });
    expect(policy.log.contexts.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(policy.log.contexts.map((c) => c.steps)).toEqual([40, 40, 40]);
    expect(policy.log.contexts.map((c) => c.recorded)).toEqual([true, true, false]);
    expect(policy.log.contexts.map((c) => c.resetSeed)).toEqual(result.records.map((r) => r.resetSeed));
    expect(stepCalls).toBe(120);
    expect(policy.log.observed.length).toBe(120);
    // The observation observe() gets is the one the next act() sees (within an episode).
    for (let t = 0; t < 39; t++) expect(policy.log.actObs[t + 1]).toEqual(policy.log.observed[t]!.obs);
    // Rewards handed to observe add up to each episode's return.
    result.records.forEach((r, k) => {
      const rewards = policy.log.observed.slice(40 * k, 40 * (k + 1)).map((o) => o.reward);
      expect(rewards.reduce((a, b) => a + b, 0)).toBe(r.episodeReturn);
      expect(r.steps).toBe(40);
      expect(r.policyTrace!.plans.map((t) => t.step)).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
      expect(r.policyTrace!.actMs!.length).toBe(40);
      // Plans were kept exactly for the recorded episodes, starting at the trajectory point of their step.
      const record = r.policyTrace!.plans[2]!;
      if (k < 2) {
        expect(r.trajectory!.length).toBe(2 * 41);
        expect([...record.plan!]).toEqual([r.trajectory![2 * 10], r.trajectory![2 * 10 + 1]]);
      } else {
        expect(r.trajectory).toBeUndefined();
        expect(record.plan).toBeUndefined();
      }
    });
    expect(result.episodeLength).toBe(40);
    expect(result.envEpisodeLength).toBe(300);
  });

  it('episodeOffset splits a run: two halves replay the whole run episode by episode', async () => {
    const run = (episodes: number, episodeOffset: number) =>
      evaluatePolicy(() => makeMaze('maze2d-umaze'), probePolicy(), {
        episodes,
        seed: 9,
        episodeOffset,
        maxSteps: 30,
        recordTrajectories: true,
      });
    const whole = await run(5, 0);
    const [first, second] = [await run(2, 0), await run(3, 2)];
    const parts = [...first.records, ...second.records];
    expect(parts.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(second.episodeOffset).toBe(2);
    expect(parts.map((r) => r.resetSeed)).toEqual(whole.records.map((r) => r.resetSeed));
    expect(parts.map((r) => [...r.trajectory!])).toEqual(whole.records.map((r) => [...r.trajectory!]));
    expect(new Set(whole.records.map((r) => r.resetSeed)).size).toBe(5);
  });

  it('refuses a negative offset and a zero step cut', async () => {
    await expect(
      evaluatePolicy(() => makeMaze('maze2d-umaze'), probePolicy(), {
        episodes: 1,
        seed: 0,
        episodeOffset: -1,
      }),
    ).rejects.toThrow(/episodeOffset must be a whole number ≥ 0, got -1/);
    await expect(
      evaluatePolicy(() => makeMaze('maze2d-umaze'), probePolicy(), { episodes: 1, seed: 0, maxSteps: 0 }),
    ).rejects.toThrow(/maxSteps must be a whole number ≥ 1, got 0/);
  });
});
