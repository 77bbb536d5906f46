/**
 * Node paths no other test reaches: the lockstep watchdog, episode_steps running out (and changed at run
 * time), and a non-default plan_deadline. Bus on virtual time, real planner and a tiny untrained maze model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { initBackend } from '../../src/tensor/backend.js';
import { DIAGNOSTIC_LEVEL } from '../../src/transport/index.js';
import { saveMazeModel } from './maze-model.js';
import { feedTrajectory, MS, PERIOD, startHarness, waitFor } from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

describe('lockstep watchdog', () => {
  it('reports a silent sim once per silence (WARN, log), publishes nothing itself, and clears when states return', async () => {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      sensor_timeout: '0.05',
    });
    try {
      let stamp = await feedTrajectory(h, 2);
      expect(h.commands.length).toBe(2);
      // The watchdog runs every 5 periods: by 100 ms the 50 ms timeout has passed.
      await h.bus.run(100n * MS);
      expect(h.node.counters.sensorTimeouts).toBe(1);
      expect(h.commands.length).toBe(2); // lockstep: commands answer states, the watchdog never sends one
      expect(
        h.logs.filter((l) => /warn: .*lockstep: no state for .*is the sim running\?/.test(l)),
      ).toHaveLength(1);
      expect(h.diagnostics.at(-1)!.status[0]!.level).toBe(DIAGNOSTIC_LEVEL.WARN);
      expect(h.diagnostics.at(-1)!.status[0]!.message).toMatch(/sensor timeout/);
      await h.bus.run(500n * MS);
      expect(h.node.counters.sensorTimeouts).toBe(1); // one silence, one count
      // States return: answered at once; the next watchdog run (within 5 periods) sees a fresh state and clears.
      stamp = await feedTrajectory(h, 2, { first: stamp + 600n * MS });
      expect(h.commands.length).toBe(4);
      await h.bus.run(5n * PERIOD);
      expect(h.node.counters.sensorTimeouts).toBe(1);
      // So a second silence is a second count, and a second WARN line.
      await h.bus.run(200n * MS);
      expect(h.node.counters.sensorTimeouts).toBe(2);
      expect(h.logs.filter((l) => /lockstep: no state for/.test(l))).toHaveLength(2);
    } finally {
      await h.close();
    }
  });
});

describe('episode_steps', () => {
  it('restarts the agent each time the episode runs out, with the length set at that moment', async () => {
    const fixed = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      episode_steps: 4,
    });
    const changed = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      episode_steps: 4,
    });
    const taskLength = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      await feedTrajectory(fixed, 16);
      // Shortened to 3 steps during the first episode: that one still ends at step 4, then every 3 steps.
      await feedTrajectory(changed, 16, {
        between: (i) => {
          if (i === 2) expect(changed.plannerTransport.setParams({ episode_steps: 3 })).toBeNull();
        },
      });
      await feedTrajectory(taskLength, 16);
      expect(fixed.node.counters.resets).toBe(4); // steps 0, 4, 8, 12
      expect(changed.node.counters.resets).toBe(5); // steps 0, 4, 7, 10, 13
      expect(taskLength.node.counters.resets).toBe(1); // 0 = the task's 300 steps
      for (const h of [fixed, changed, taskLength]) {
        expect(h.commands.length).toBe(16);
        expect(h.node.counters.planErrors).toBe(0);
        expect(h.node.counters.plans).toBeGreaterThanOrEqual(8);
      }
    } finally {
      await fixed.close();
      await changed.close();
      await taskLength.close();
    }
  });
});

describe('plan_deadline', () => {
  it('a plan back after a non-default deadline is a miss; the same timing is none with the default (one token)', async () => {
    const start = (extra: Record<string, string>) =>
      startHarness({ model: model.dir, planner_thread: 'worker', sensor_timeout: '10.0', ...extra });
    const [short, byDefault] = await Promise.all([start({ plan_deadline: '0.005' }), start({})]);
    try {
      for (const h of [short, byDefault]) {
        await h.odom(1, 1, 0.5, 0, 1n);
        h.bus.clock.advance(PERIOD); // step 0: plan requested at 10 ms
        // 6 ms later, with no control tick in between (the worker cannot answer inside a synchronous advance):
        // past 10 + 5 ms, well before the default 10 + 20 ms.
        h.bus.clock.advance(6n * MS);
      }
      await waitFor(
        () => short.node.counters.plans === 1 && byDefault.node.counters.plans === 1,
        'the plans',
      );
      await short.bus.idle();
      await byDefault.bus.idle();
      expect(short.node.counters.deadlineMisses).toBe(1);
      expect(byDefault.node.counters.deadlineMisses).toBe(0);
      // Late or not, the plan is used at once for the current step.
      expect(short.node.lastSource).toBe('plan');
    } finally {
      await short.close();
      await byDefault.close();
    }
  });
});
