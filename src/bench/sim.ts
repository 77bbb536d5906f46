/**
 * `df-planner bench sim`: speed of the MuJoCo-backed Maze2D envs.
 *
 * Cases per maze (all warm: each case runs untimed batches first so V8 and the WASM tiers have compiled):
 *   create-<task>    createMazeEnv: MJCF build + compile + MjData (module already loaded)
 *   mj-step-<task>   bare mj_step on the env's model, 1000 per sample: the baseline the env is compared to
 *   step-<task>      env.step (validate, clip, mj_step, observation, reward), 1000 per sample, random actions
 *   reset-<task>     env.reset(seed), 100 per sample
 *   episode-<task>   reset + a full episode (300/600/800 steps) of random actions, one per sample
 * `stepsPerSecond` (headline) comes from step-<task>; `resetUs` from reset-<task>.
 */

import { mazeTask } from '../../sim/maze2d/layouts.js';
import { createMazeEnv, type MazeEnv } from '../../sim/maze2d/maze-env.js';
import { mazeMjcf } from '../../sim/maze2d/mjcf.js';
import { loadMujoco, mujocoVersion } from '../../sim/mujoco/load-mujoco.js';
import { Simulation } from '../../sim/mujoco/simulation.js';
import { TASKS } from '../../sim/task-registry.js';
import { silentLogger } from '../logging.js';
import { createRng } from '../math/rng.js';
import { type BenchGroup, type BenchGroupOptions, wantsCase } from './group.js';
import { roundTimings, roundTo, type TimingStats, timeRepeated } from './timing.js';

const STEP_BATCH = 1000;
const RESET_BATCH = 100;

interface CaseResult extends TimingStats {
  name: string;
  /** What one timed sample covers. */
  unit: string;
  /** Operations per timed sample (median time per op = medianMs / opsPerSample). */
  opsPerSample: number;
  opsPerSecond: number;
}

const group: BenchGroup = {
  async run(options: BenchGroupOptions) {
    const repeats = options.repeats ?? 40;
    const want = (name: string) => wantsCase(options, name);

    const t0 = performance.now();
    const mj = await loadMujoco({ logger: silentLogger });
    const moduleInitMs = performance.now() - t0;

    const cases: CaseResult[] = [];
    const stepsPerSecond: Record<string, number> = {};
    const resetUs: Record<string, number> = {};
    const record = (name: string, unit: string, opsPerSample: number, stats: TimingStats): CaseResult => {
      const result = {
        name,
        unit,
        opsPerSample,
        ...stats,
        opsPerSecond: (opsPerSample * 1000) / stats.medianMs,
      };
      cases.push(result);
      return result;
    };

    // Actions drawn once so the timed loops measure the simulator, not the PRNG.
    const rng = createRng(0);
    const actions = Array.from({ length: STEP_BATCH }, () => [2 * rng.uniform() - 1, 2 * rng.uniform() - 1]);

    // The maze robot's tasks: the bare mj_step baseline is built from the maze MJCF.
    const mazes = TASKS.filter((t) => t.robot === 'maze2d' && t.commands.includes('bench')).map((t) => t.id);
    for (const taskId of mazes) {
      if (want(`create-${taskId}`)) {
        const stats = await timeRepeated(
          async () => (await createMazeEnv(taskId, { logger: silentLogger })).close(),
          {
            warmup: 2,
            repeats: Math.min(repeats, 10),
          },
        );
        record(`create-${taskId}`, 'one env', 1, stats);
      }

      if (want(`mj-step-${taskId}`)) {
        const sim = new Simulation(mj, mazeMjcf(mazeTask(taskId).maze), taskId);
        try {
          const { ctrl, qpos, qvel } = sim.state;
          const batch = () => {
            // Keep the ball in the maze like the env does: restart from a free cell each batch, clip speeds.
            sim.resetData();
            qpos[0] = 1;
            qpos[1] = 1;
            for (let t = 0; t < STEP_BATCH; t++) {
              const a = actions[t]!;
              ctrl[0] = a[0]!;
              ctrl[1] = a[1]!;
              qvel[0] = Math.min(5, Math.max(-5, qvel[0]!));
              qvel[1] = Math.min(5, Math.max(-5, qvel[1]!));
              sim.step();
            }
          };
          record(
            `mj-step-${taskId}`,
            `${STEP_BATCH} mj_step`,
            STEP_BATCH,
            await timeRepeated(batch, { warmup: 20, repeats }),
          );
        } finally {
          sim.close();
        }
      }

      if (!['step', 'reset', 'episode'].some((c) => want(`${c}-${taskId}`))) continue;
      const env = await createMazeEnv(taskId, { logger: silentLogger });
      try {
        if (want(`step-${taskId}`)) {
          let seed = 0;
          env.reset(seed);
          const batch = () => {
            for (let t = 0; t < STEP_BATCH; t++) {
              if (env.step(actions[t]!).truncated) env.reset(++seed);
            }
          };
          const r = record(
            `step-${taskId}`,
            `${STEP_BATCH} env.step`,
            STEP_BATCH,
            await timeRepeated(batch, { warmup: 20, repeats }),
          );
          stepsPerSecond[taskId] = Math.round(r.opsPerSecond);
        }
        if (want(`reset-${taskId}`)) {
          let seed = 0;
          const batch = () => {
            for (let k = 0; k < RESET_BATCH; k++) env.reset(seed++);
          };
          const r = record(
            `reset-${taskId}`,
            `${RESET_BATCH} env.reset`,
            RESET_BATCH,
            await timeRepeated(batch, { warmup: 20, repeats }),
          );
          resetUs[taskId] = roundTo((r.medianMs * 1000) / RESET_BATCH, 2);
        }
        if (want(`episode-${taskId}`)) {
          let seed = 0;
          const episode = () => runEpisode(env, seed++, actions);
          record(
            `episode-${taskId}`,
            `reset + ${env.episodeLength} steps`,
            1,
            await timeRepeated(episode, { warmup: 3, repeats }),
          );
        }
      } finally {
        env.close();
      }
    }

    return {
      backend: `mujoco-wasm ${mujocoVersion(mj)}`,
      stepsPerSecond,
      resetUs,
      moduleInitMs: roundTo(moduleInitMs, 1),
      cases: cases.map((c) => ({ ...roundTimings(c, 4), opsPerSecond: Math.round(c.opsPerSecond) })),
    };
  },
};
export default group;

function runEpisode(env: MazeEnv, seed: number, actions: number[][]): void {
  env.reset(seed);
  for (let t = 0; t < env.episodeLength; t++) env.step(actions[t % actions.length]!);
}
