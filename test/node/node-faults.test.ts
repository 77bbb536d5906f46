/**
 * Issue 5 item 4, one test per fault: sensor timeout, bad input messages, planner exception, planner overrun,
 * and close. Bus on virtual time, real planner and a tiny untrained maze model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { readOdometry } from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { DIAGNOSTIC_LEVEL, type Odometry } from '../../src/transport/index.js';
import { saveMazeModel, TEST_F } from './maze-model.js';
import {
  force,
  type Harness,
  MS,
  odomMessage,
  PERIOD,
  startHarness,
  trajectory,
  waitFor,
} from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;
let nanModel: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
  nanModel = await saveMazeModel({ seed: 4, nanWeights: true });
});
afterAll(() => {
  model?.cleanup();
  nanModel?.cleanup();
});

const isZero = (c: Parameters<typeof force>[0]) => c.wrench.force.x === 0 && c.wrench.force.y === 0;

describe('sensor timeout', () => {
  it('sends zero commands every period and a WARN once no valid state arrived for sensor_timeout, then recovers', async () => {
    // The timer steps on the newest state each period (a state-triggered node steps once per state).
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      sensor_timeout: '0.05',
      control_trigger: 'timer',
    });
    try {
      for (let i = 0; i < 4; i++) {
        await h.odom(1 + 0.01 * i, 1, 0.5, 0, BigInt(i + 1) * PERIOD);
        await h.bus.run(PERIOD);
      }
      const live = h.commands.length;
      expect(live).toBe(4);
      expect(h.commands.some((c) => !isZero(c))).toBe(true);

      // Silence: 150 ms without odom. The state is 10 ms old at the last live tick; stale after 50 ms.
      await h.bus.run(150n * MS);
      const after = h.commands.slice(live);
      expect(after.length).toBe(15);
      // Ticks at +10 … +50 ms still use the newest state (age ≤ 50 ms); every later tick is zero.
      expect(after.slice(4).every(isZero)).toBe(true);
      expect(h.node.counters.sensorTimeouts).toBe(1);
      const warn = h.diagnostics.find((d) => d.status[0]!.level === DIAGNOSTIC_LEVEL.WARN);
      expect(warn?.status[0]?.message).toMatch(/sensor timeout/);
      expect(h.node.lastSource).toBe('zero');

      // State is back: the agent restarts from it and plans again.
      const resetsBefore = h.node.counters.resets;
      await h.odom(1.2, 1, 0, 0, 1000n * MS);
      await h.bus.run(PERIOD);
      expect(h.node.counters.resets).toBe(resetsBefore + 1);
      expect(isZero(h.commands.at(-1)!)).toBe(false);
      expect(h.node.lastSource).toBe('plan');
    } finally {
      await h.close();
    }
  });
});

describe('bad input messages', () => {
  it('drops NaN, inf, out-of-order, duplicate and wrong-frame messages, counts and reports them, and never uses them', async () => {
    const states = trajectory(6);
    const clean = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    const noisy = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      sensor_timeout: '10.0',
    });
    try {
      const run = async (h: Harness, inject: boolean) => {
        let stamp = 10n * MS;
        for (const [i, [x, y, vx, vy]] of states.entries()) {
          if (inject && i === 2) {
            await h.odom(Number.NaN, y, vx, vy, stamp - 1n); // non_finite
            await h.odom(x, y, vx, Number.POSITIVE_INFINITY, stamp - 1n); // non_finite
            await h.odom(x, y, vx, vy, 1n); // out_of_order: older than step 1's stamp
            await h.odom(x, y, vx, vy, stamp - PERIOD); // duplicate: step 1's stamp again (not a fault)
            await h.odom(x, y, vx, vy, stamp - 1n, 'map'); // wrong_frame
            await h.reward(Number.NaN, stamp); // reward non_finite
            await h.goal(Number.NaN, 1, stamp); // goal non_finite
          }
          await h.odom(x, y, vx, vy, stamp);
          stamp += PERIOD;
        }
      };
      await run(clean, false);
      await run(noisy, true);
      // Exactly one command per valid odom, and the same commands: the bad messages changed nothing.
      expect(noisy.commands.length).toBe(states.length);
      expect(noisy.commands.map(force)).toEqual(clean.commands.map(force));
      expect(noisy.node.counters.rejected).toEqual({
        'odom.non_finite': 2,
        'odom.out_of_order': 1,
        'odom.duplicate': 1,
        'odom.wrong_frame': 1,
        'reward.non_finite': 1,
        'goal.non_finite': 1,
      });
      await noisy.bus.run(1000n * MS);
      const s = noisy.status();
      expect(s.level).toBe(DIAGNOSTIC_LEVEL.WARN);
      expect(s.message).toMatch(/6 rejected message/);
      expect(noisy.value('rejected odom.non_finite')).toBe('2');
      expect(noisy.value('rejected odom.out_of_order')).toBe('1');
      expect(noisy.value('rejected odom.duplicate')).toBe('1');
      expect(noisy.value('rejected messages')).toBe('7');
    } finally {
      await clean.close();
      await noisy.close();
    }
  });

  it('rejects wrong-size arrays (the bus and rclnodejs refuse them at publish; the node checks anyway)', () => {
    const msg = {
      ...(odomMessage(1, 1, 0, 0, 5n) as unknown as Odometry),
      pose: {
        pose: { position: { x: 1, y: 1, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
        covariance: new Float64Array(35),
      },
      twist: {
        twist: { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } },
        covariance: new Float64Array(36),
      },
    } as Odometry;
    expect(readOdometry(msg)).toEqual({
      rejected: 'wrong_size',
      detail: 'pose.covariance has 35 entries, not 36',
    });
    const missing = { ...msg, header: { frame_id: 'odom' } } as unknown as Odometry;
    expect(readOdometry(missing)).toMatchObject({ rejected: 'malformed' });
  });
});

describe('planner exception', () => {
  it('on_overrun zero: zero commands, ERROR diagnostic, retries every token, keeps answering', async () => {
    const h = await startHarness({
      model: nanModel.dir,
      planner_thread: 'inline',
      lockstep: true,
      on_overrun: 'zero',
    });
    try {
      let stamp = 10n * MS;
      for (const [x, y, vx, vy] of trajectory(3 * TEST_F)) {
        await h.odom(x, y, vx, vy, stamp);
        stamp += PERIOD;
      }
      expect(h.commands.length).toBe(3 * TEST_F);
      expect(h.commands.every(isZero)).toBe(true);
      // The failure at step 0 is retried one token later (steps 2 and 4).
      expect(h.node.counters.planErrors).toBe(3);
      const error = h.diagnostics.find((d) => d.status[0]!.level === DIAGNOSTIC_LEVEL.ERROR);
      expect(error?.status[0]?.message).toMatch(/planner failed.*not finite/);
      // Still alive: the next odom gets its command.
      await h.odom(1, 1, 0, 0, stamp);
      expect(h.commands.length).toBe(3 * TEST_F + 1);
    } finally {
      await h.close();
    }
  });

  it("on_overrun hold: continues with the previous plan's actions for the failed token", async () => {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      on_overrun: 'hold',
    });
    try {
      let stamp = 10n * MS;
      const states = trajectory(3 * TEST_F);
      for (const [i, [x, y, vx, vy]] of states.entries()) {
        // A goal at 1e30 overflows the goal objective: the plan at step 2 is non-finite (PlanningError).
        if (i === 1) await h.goal(1e30, 1e30, stamp);
        await h.odom(x, y, vx, vy, stamp);
        stamp += PERIOD;
      }
      const good = h.node.lastPlan!;
      expect(good.boundary).toBe(0);
      expect(h.node.counters.planErrors).toBeGreaterThanOrEqual(1);
      // Steps 2…5 come from the step-0 plan's rows 2…5 (hold), not zero.
      for (let s = 2; s < states.length; s++) {
        expect(force(h.commands[s]!)).toEqual([good.actions[2 * s], good.actions[2 * s + 1]]);
      }
      expect(h.node.counters.fallbackCommands).toBe(states.length - 2);
      expect(h.commands.some((c, s) => s >= 2 && !isZero(c))).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('planner overrun (worker thread, real time)', () => {
  /**
   * Virtual time moves only when the test says so, and `bus.clock.advance` fires a whole run of ticks
   * synchronously: the worker cannot answer in between, so the boundary's plan is late by construction
   * (timer-triggered steps, so one state drives a run of steps).
   */
  async function overrun(policy: 'hold' | 'zero') {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'worker',
      control_trigger: 'timer',
      on_overrun: policy,
      plan_timing: 'hold',
      sensor_timeout: '100.0',
    });
    await h.odom(1, 1, 0.5, 0, 1n);
    h.bus.clock.advance(PERIOD); // step 0: reset + plan request; nothing to fall back on yet → zero
    await waitFor(() => h.node.counters.plans === 1, 'the first plan');
    await h.bus.idle();
    const first = h.node.lastPlan!;
    const start = h.commands.length;
    h.bus.clock.advance(4n * PERIOD); // steps 1…4: 1 from the plan, 2 = boundary (late), 3, 4 = boundary (busy)
    await h.bus.idle();
    const ticks = h.commands.slice(start, start + 4).map(force);
    return { h, first, start, ticks };
  }

  it('hold: publishes the previous plan shifted, counts deadline misses, then switches to the late plan', async () => {
    const { h, first, ticks } = await overrun('hold');
    try {
      expect(first.boundary).toBe(0);
      for (let k = 0; k < 4; k++) {
        const s = k + 1;
        expect(ticks[k]).toEqual([first.actions[2 * s], first.actions[2 * s + 1]]);
      }
      expect(h.node.counters.deadlineMisses).toBeGreaterThanOrEqual(2);
      expect(h.node.counters.fallbackCommands).toBeGreaterThanOrEqual(3);
      // The late plan (token at step 2) arrives during step 4, whose boundary was skipped for the busy
      // planner: it becomes the freshest hold at once (its row 2 for step 4).
      await waitFor(() => h.node.counters.plans >= 2, 'the late plan');
      await h.bus.idle();
      const late = h.node.lastPlan!;
      expect(late.boundary).toBe(2);
      expect(h.node.lastSource).toBe('hold');
      expect(force(h.commands.at(-1)!)).toEqual([late.actions[4], late.actions[5]]);
      // Step 5 holds; step 6 is a boundary again: with time for the planner the fresh plan takes over.
      h.bus.clock.advance(2n * PERIOD);
      await waitFor(() => h.node.counters.plans >= 3, 'the step-6 plan');
      await h.bus.idle();
      expect(h.node.lastPlan!.boundary).toBe(6);
      expect(h.node.lastSource).toBe('plan');
      expect(force(h.commands.at(-1)!)).toEqual([h.node.lastPlan!.actions[0], h.node.lastPlan!.actions[1]]);
      await h.bus.run(1000n * MS);
      expect(h.status().message).toMatch(/deadline miss/);
    } finally {
      await h.close();
    }
  });

  it('zero: publishes zero while the plan is late', async () => {
    const { h, ticks } = await overrun('zero');
    try {
      expect(ticks[0]).not.toEqual([0, 0]); // step 1 is still the current token's plan
      expect(ticks.slice(1)).toEqual([
        [0, 0],
        [0, 0],
        [0, 0],
      ]);
      expect(h.node.counters.deadlineMisses).toBeGreaterThanOrEqual(2);
    } finally {
      await h.close();
    }
  });
});

describe('plan made before a sensor timeout', () => {
  it('is not used after the timeout (the robot stood still meanwhile)', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'worker', sensor_timeout: '0.05' });
    try {
      await h.odom(1, 1, 0.5, 0, 1n);
      // Step 0 requests a plan, then 100 ms pass in one synchronous advance: the state goes stale first.
      h.bus.clock.advance(100n * MS);
      expect(h.node.counters.sensorTimeouts).toBe(1);
      await waitFor(() => h.node.counters.plans === 1, 'the plan');
      await h.bus.idle();
      expect(h.node.lastPlan).toBeNull();
      expect(isZero(h.commands.at(-1)!)).toBe(true);
      expect(h.plans.length).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('close', () => {
  it('stops the timers and publishes a zero command last, even with a plan in flight', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'worker', lockstep: true });
    await h.odom(1, 1, 0.5, 0, 10n * MS);
    await waitFor(() => h.commands.length === 1, 'the first command');
    // Step 2 is a token boundary: its plan is in flight when we close.
    await h.odom(1.01, 1, 0.5, 0, 20n * MS);
    await h.odom(1.02, 1, 0.5, 0, 30n * MS);
    await h.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(isZero(h.commands.at(-1)!)).toBe(true);
    expect(h.commands.length).toBe(3); // steps 0, 1 answered; step 2 was waiting; then the zero
  });

  it('real time: the last command is zero and nothing follows', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', sensor_timeout: '1.0' });
    await h.odom(1, 1, 0.5, 0, 1n);
    await h.bus.run(50n * MS);
    expect(isZero(h.commands.at(-1)!)).toBe(false);
    const n = h.commands.length;
    await h.node.close();
    await h.bus.run(50n * MS);
    expect(h.commands.length).toBe(n + 1);
    expect(isZero(h.commands.at(-1)!)).toBe(true);
    await h.bus.close();
  });
});
