/**
 * Why the real-time sim missed commands (issue 14 item 3), and the fix: the planner node used to take its steps on
 * its own control timer, a second clock beside the sensor's. Whenever the two clocks do not tick in lockstep
 * (a sim that runs a little fast or slow against the planner's clock, the sim catching up after a stall while the
 * timer skips its missed periods, jitter where their phases meet), some sensor steps get no new command and some
 * states are stepped twice. With `control_trigger: state` (the default) every state message is one step,
 * answered as it arrives.
 *
 * The real MuJoCo maze sim node in real-time mode and the real planner node (tiny untrained model, inline planner)
 * on one bus on virtual time; the sim's clock runs 2 % fast or slow against the bus clock the planner's timer
 * uses (`real_time_factor` 1.02 / 0.98), as two machines' clocks or a sim's step grid against a timer's do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MazeSimNode } from '../../sim/nodes/index.js';
import { silentLogger } from '../../src/logging.js';
import { startPlannerNode } from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { createBus } from '../../src/transport/index.js';
import { makeMaze } from '../helpers/make-maze.js';
import { saveMazeModel, umazeTask } from './maze-model.js';
import { MS, plannerArgs } from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

const STEPS = 120;

/** One sim episode of STEPS real-time steps against the planner; the sim's record and the planner's step count. */
async function episode(trigger: 'state' | 'timer', realTimeFactor: number) {
  const bus = createBus({ logger: silentLogger });
  const env = await makeMaze('maze2d-umaze');
  try {
    const planner = await startPlannerNode({
      transport: bus.node(
        'planner',
        '',
        plannerArgs({ model: model.dir, planner_thread: 'inline', control_trigger: trigger }),
      ),
      resolveTask: () => umazeTask(),
    });
    const sim = new MazeSimNode(bus.node('maze_sim'), env, {
      lockstep: false,
      episodes: 1,
      maxSteps: STEPS,
      seed: 3,
      realTimeFactor,
    });
    sim.start();
    await bus.run(BigInt(Math.ceil(((STEPS + 10) * 10) / realTimeFactor)) * MS);
    const [record] = (await sim.done).episodes;
    const plannerSteps = planner.counters.steps;
    await planner.close();
    return { record: record!, plannerSteps };
  } finally {
    await bus.close();
    env.close();
  }
}

describe('real time: the planner steps on the sensor, not on a second clock', () => {
  for (const factor of [1.02, 0.98]) {
    it(`state trigger: every sim step gets a fresh command and every state one step (sim clock ×${factor})`, async () => {
      const { record, plannerSteps } = await episode('state', factor);
      expect(record.steps).toBe(STEPS);
      expect(record.deadlineMisses).toBe(0);
      expect(record.commandsApplied).toBe(STEPS);
      // The first state and every post-step state but the final one (the episode is over when it arrives).
      expect(plannerSteps).toBeGreaterThanOrEqual(STEPS);
      expect(plannerSteps).toBeLessThanOrEqual(STEPS + 1);
    });
  }

  it('timer trigger (the old behaviour): a sim clock 2 % fast leaves sim steps without a new command', async () => {
    const { record } = await episode('timer', 1.02);
    expect(record.steps).toBe(STEPS);
    // 120 sim steps in 1.18 s of the planner's timer: about 2 of them had no new command.
    expect(record.deadlineMisses).toBeGreaterThan(0);
  });
});
