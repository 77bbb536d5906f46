/**
 * Issue 10, node inputs: values beyond float32, stamps that restart, a needed topic that stays silent, and
 * statistics that never read NaN. Bus on virtual time, real planner and a tiny untrained maze model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { readGoal, readReward } from '../../src/node/convert.js';
import { MAZE_TYPES } from '../../src/node/index.js';
import { allFinite, FLOAT32_MAX, plannerNumber } from '../../src/node/input-checks.js';
import { LatencyWindow } from '../../src/node/latency-window.js';
import { STAMP_RESTART_NS, stampOrder } from '../../src/node/stamp-order.js';
import { initBackend } from '../../src/tensor/backend.js';
import { DIAGNOSTIC_LEVEL, type PoseStamped, type Vector3Stamped } from '../../src/transport/index.js';
import { saveMazeModel } from './maze-model.js';
import { feedTrajectory, force, MS, odomMessage, PERIOD, startHarness, trajectory } from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

const finite = (c: Parameters<typeof force>[0]) => force(c).every(Number.isFinite);

describe('values beyond float32', () => {
  it('rejects finite odometry that is infinite in float32 (1e300, ±1e39) as non_finite; every command stays finite', async () => {
    // The 'track' law compares the odom with the plan: with x = +inf and vx = −inf (float32) it was inf − inf = NaN.
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      action_source: 'track',
      sensor_timeout: '10.0',
    });
    try {
      let stamp = 10n * MS;
      const clean = trajectory(6);
      for (const [i, [x, y, vx, vy]] of clean.entries()) {
        if (i > 0) {
          await h.odom(1e39, y, -1e39, vy, stamp - 3n);
          await h.odom(x, 1e300, vx, vy, stamp - 2n);
          await h.odom(x, y, vx, -1e39, stamp - 1n);
        }
        await h.odom(x, y, vx, vy, stamp);
        stamp += PERIOD;
      }
      expect(h.commands.length).toBe(clean.length);
      expect(h.commands.every(finite)).toBe(true);
      expect(h.node.counters.rejected).toEqual({ 'odom.non_finite': 3 * (clean.length - 1) });
      expect(h.node.counters.nonFiniteCommands).toBe(0);
      expect(h.logs.some((l) => /dropped a odom message \(non_finite\).*beyond float32/.test(l))).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('rejects reward and goal values beyond float32 too, and keeps the last good goal', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      await h.goal(3, 1, 5n * MS);
      await h.reward(1e300, 10n * MS); // finite as a double, but beyond the planner's float32
      await h.goal(1e39, 1, 6n * MS);
      await h.goal(1, -1e300, 7n * MS);
      await h.odom(1, 1, 0, 0, 10n * MS);
      expect(h.node.counters.rejected).toEqual({ 'reward.non_finite': 1, 'goal.non_finite': 2 });
      expect(h.node.counters.goals).toBe(1);
      expect(h.commands.every(finite)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('checks every numeric field the node hands on against float32, and the others for finiteness', () => {
    expect(plannerNumber(FLOAT32_MAX, 'x')).toBe(FLOAT32_MAX);
    expect(plannerNumber(-1e39, 'x')).toMatchObject({ rejected: 'non_finite' });
    expect(plannerNumber('1', 'x')).toMatchObject({ rejected: 'malformed' });
    // A raw object (another transport, a bag) is not rounded by anyone: the reward check still catches it.
    const reward = (x: number): Vector3Stamped => ({
      header: { stamp: { sec: 1, nanosec: 0 }, frame_id: 'odom' },
      vector: { x, y: 0, z: 0 },
    });
    expect(readReward(reward(1e300))).toMatchObject({ rejected: 'non_finite' });
    expect(readReward(reward(0.5))).toEqual({ reward: 0.5, stampNs: 1_000_000_000n });
    const goal = (z: number, w: number): PoseStamped => ({
      header: { stamp: { sec: 1, nanosec: 0 }, frame_id: 'odom' },
      pose: { position: { x: 1, y: 1, z }, orientation: { x: 0, y: 0, z: 0, w } },
    });
    // z and the orientation are not handed on: any finite double will do, NaN will not.
    expect(readGoal(goal(1e300, 1))).toMatchObject({ stampNs: 1_000_000_000n });
    expect(readGoal(goal(0, Number.NaN))).toMatchObject({ rejected: 'non_finite' });
    const badStamp = { ...goal(0, 1), header: { stamp: { sec: 2 ** 40, nanosec: 0 }, frame_id: 'odom' } };
    expect(readGoal(badStamp)).toMatchObject({ rejected: 'malformed' });
  });
});

describe('stamps that restart', () => {
  it('classifies a jump back beyond the threshold as a restart, a smaller one as out of order', () => {
    expect(stampOrder(null, 5n)).toBe('first');
    expect(stampOrder(5n, 6n)).toBe('newer');
    expect(stampOrder(5n, 5n)).toBe('same');
    expect(stampOrder(STAMP_RESTART_NS + 10n, 10n)).toBe('older');
    expect(stampOrder(STAMP_RESTART_NS + 10n, 9n)).toBe('restart');
  });

  it('lockstep: one odom stamped in the future does not lock out every later odom', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      await h.odom(1, 1, 0, 0, 10n * MS);
      await h.odom(1.01, 1, 0, 0, 1000_000n * MS); // a clock glitch: 1000 s ahead
      const before = h.commands.length;
      const resets = h.node.counters.resets;
      await feedTrajectory(h, 4, { first: 20n * MS });
      // The first normal odom is a restart (1000 s back): accepted, and the agent restarts from it.
      expect(h.commands.length).toBe(before + 4);
      expect(h.node.counters.stampRestarts).toBe(1);
      expect(h.node.counters.resets).toBe(resets + 1);
      expect(h.node.counters.rejected).toEqual({});
      expect(h.logs.some((l) => /warn: .*odom stamps jumped back 999\.98 s.*restarted clock/.test(l))).toBe(
        true,
      );
      await h.bus.run(1000n * MS);
      expect(h.status().level).toBe(DIAGNOSTIC_LEVEL.WARN);
      expect(h.value('stamp restarts')).toBe('1');
    } finally {
      await h.close();
    }
  });

  it('lockstep: a restarted sim (stamps near 0 again after episode_start) is answered at once', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      // The first run is short: its last stamp (50 ms) is within the threshold, so only episode_start can help.
      await h.goal(2, 2, 10n * MS);
      await feedTrajectory(h, 5);
      const resets = h.node.counters.resets;
      await h.goal(3, 1, 1n * MS);
      await h.episodeStart(10n * MS, [3, 1]);
      await feedTrajectory(h, 3);
      expect(h.commands.length).toBe(8);
      // The restarted sim's goal_pose (stamp 1 ms, older than the first run's 10 ms) was refused as out of order;
      // its episode_start (stamped before states already taken: a restarted clock) started the next state's
      // episode with the goal it carries.
      expect(h.node.counters.rejected).toEqual({ 'goal.out_of_order': 1 });
      expect(h.node.counters.goals).toBe(2);
      expect(h.logs.filter((l) => /new goal/.test(l)).at(-1)).toMatch(/new goal \(3\.000, 1\.000\)/);
      expect(h.node.counters.resets).toBe(resets + 1);
      expect(h.node.counters.stampRestarts).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('real time: a clock restart without episode_start restarts the planner from the new state', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', sensor_timeout: '1.0' });
    try {
      await h.goal(3, 1, 5000n * MS);
      await h.odom(1, 1, 0.5, 0, 5000n * MS);
      await h.bus.run(3n * PERIOD);
      const resets = h.node.counters.resets;
      // The sim restarted: goal and odom stamps begin again near 0.
      await h.goal(2, 1, 1n * MS);
      await h.odom(1.5, 1, 0, 0, 10n * MS);
      await h.bus.run(PERIOD);
      await h.odom(1.5, 1, 0, 0, 20n * MS);
      await h.bus.run(PERIOD);
      expect(h.node.counters.stampRestarts).toBe(2);
      expect(h.node.counters.goals).toBe(2);
      expect(h.node.counters.resets).toBe(resets + 1);
      expect(h.node.counters.rejected).toEqual({});
      expect(h.node.lastSource).toBe('plan');
      expect(h.commands.every(finite)).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('a needed topic that stays silent', () => {
  it('odom_topic:=nowhere: a WARN log line and a WARN diagnostic naming the topic after 3 s, cleared once a message arrives', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', odom_topic: 'nowhere' });
    try {
      await h.bus.run(2000n * MS);
      expect(h.status().level).toBe(DIAGNOSTIC_LEVEL.STALE);
      expect(h.logs.some((l) => l.includes('no message on'))).toBe(false);
      await h.bus.run(2000n * MS);
      const s = h.status();
      expect(s.level).toBe(DIAGNOSTIC_LEVEL.WARN);
      expect(s.message).toMatch(/no message on \/nowhere for [34] s: check the topic name/);
      expect(h.logs.filter((l) => /^warn: .*no message on \/nowhere/.test(l)).length).toBe(1);
      // Stats with nothing measured read n/a, never NaN.
      expect(h.value('tick latency median ms')).toBe('n/a');
      expect(h.value('tick latency max ms')).toBe('n/a');
      expect(s.values.some((v) => v.value.includes('NaN'))).toBe(false);
      expect(h.node.tickLatency.percentile(50)).toBeNull();
      expect(h.node.planLatency.max).toBeNull();
      // A publisher on the topic the node listens to: the warning clears.
      const pub = h.robot.advertise(MAZE_TYPES.odom, '/nowhere', 'sensor');
      pub(odomMessage(1, 1, 0, 0, 10n * MS));
      await h.bus.run(1000n * MS);
      expect(h.status().message).not.toMatch(/no message on/);
    } finally {
      await h.close();
    }
  });

  it('does not call odom silent once messages came, even if every one was rejected (that is its own WARN)', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline' });
    try {
      await h.odom(1, 1, 0, 0, 10n * MS, 'map');
      await h.bus.run(1000n * MS);
      expect(h.status().level).toBe(DIAGNOSTIC_LEVEL.WARN);
      expect(h.status().message).toMatch(/1 rejected message/);
      await h.bus.run(4000n * MS);
      expect(h.logs.some((l) => l.includes('no message on'))).toBe(false);
    } finally {
      await h.close();
    }
  });
});

describe('a command that is not finite', () => {
  it('is caught by the last check before publishing (defence in depth: plans and bounds are checked upstream)', () => {
    expect(allFinite(Float32Array.of(1, -1))).toBe(true);
    expect(allFinite(Float32Array.of(1, Number.NaN))).toBe(false);
    expect(allFinite(Float32Array.of(Number.NEGATIVE_INFINITY, 0))).toBe(false);
  });
});

describe('LatencyWindow', () => {
  it('returns null, not NaN, for statistics of an empty window', () => {
    const w = new LatencyWindow(4);
    expect(w.percentile(50)).toBeNull();
    expect(w.max).toBeNull();
    w.record(2);
    w.record(4);
    expect(w.percentile(50)).toBe(2);
    expect(w.max).toBe(4);
  });
});
