import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { NODE_PARAMS, startPlannerNode } from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { createBus, DIAGNOSTIC_LEVEL } from '../../src/transport/index.js';
import { FAST_PLANNER, saveMazeModel, TEST_F, umazeTask } from './maze-model.js';
import {
  force,
  type Harness,
  MS,
  PERIOD,
  plannerArgs,
  startHarness,
  trajectory,
  waitFor,
} from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

/** Runs `states` through a lockstep node, one odom per step; `between(i)` runs before odom i. */
async function lockstepRun(
  h: Harness,
  states: [number, number, number, number][],
  between?: (i: number, stampNs: bigint) => Promise<void>,
  firstStampNs = 10n * MS,
): Promise<void> {
  let stamp = firstStampNs;
  for (const [i, [x, y, vx, vy]] of states.entries()) {
    await between?.(i, stamp);
    const before = h.commands.length;
    await h.odom(x, y, vx, vy, stamp);
    // Worker thread: the answer comes once the plan is back (virtual time stands still meanwhile).
    await waitFor(() => h.commands.length > before || h.node.host.thread === 'inline', 'a command');
    await h.bus.idle();
    stamp += PERIOD;
  }
}

describe('planner node, lockstep', () => {
  it('answers every odom with exactly one finite command in the fixed frame, and publishes each plan as a Path', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      const states = trajectory(8);
      await lockstepRun(h, states);
      expect(h.commands.length).toBe(8);
      for (const c of h.commands) {
        expect(c.header.frame_id).toBe('odom');
        for (const f of force(c)) {
          expect(Number.isFinite(f)).toBe(true);
          expect(Math.abs(f)).toBeLessThanOrEqual(1);
        }
        expect(c.wrench.force.z).toBe(0);
      }
      // One plan per token (F = 2 steps), each with H·F poses: one per planned step.
      expect(h.plans.length).toBe(8 / TEST_F);
      for (const p of h.plans) {
        expect(p.header.frame_id).toBe('odom');
        expect(p.poses.length).toBe(FAST_PLANNER.horizonTokens * TEST_F);
        const stamps = p.poses.map((q) => q.header.stamp.sec * 1e9 + q.header.stamp.nanosec);
        for (let j = 1; j < stamps.length; j++) expect(stamps[j]! - stamps[j - 1]!).toBe(Number(PERIOD));
      }
      // The commands are the plans' first-token actions, in order.
      expect(h.node.counters.plans).toBe(4);
      expect(h.node.counters.fallbackCommands).toBe(0);
      const last = h.node.lastPlan!;
      expect(last.boundary).toBe(6);
      expect(force(h.commands[6]!)).toEqual([last.actions[0], last.actions[1]]);
      expect(force(h.commands[7]!)).toEqual([last.actions[2], last.actions[3]]);
    } finally {
      await h.close();
    }
  });

  it('gives the same command stream with the planner in a worker thread as inline', async () => {
    const states = trajectory(6);
    const inline = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      seed: 9,
    });
    const worker = await startHarness({
      model: model.dir,
      planner_thread: 'worker',
      lockstep: true,
      seed: 9,
    });
    try {
      expect(worker.node.host.thread).toBe('worker');
      await lockstepRun(inline, states);
      await lockstepRun(worker, states);
      expect(worker.commands.length).toBe(6);
      expect(worker.commands.map(force)).toEqual(inline.commands.map(force));
      expect(worker.node.counters.deadlineMisses).toBe(0);
    } finally {
      await inline.close();
      await worker.close();
    }
  });

  it('retargets on goal_pose: same commands before it, a cold plan and different commands after', async () => {
    const states = trajectory(8);
    const plain = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    const moved = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      await lockstepRun(plain, states);
      await lockstepRun(moved, states, async (i, stamp) => {
        if (i === 3) await moved.goal(3, 1, stamp); // mid-token: applies from the next plan (step 4)
        if (i === 5) await moved.goal(9, 9, stamp, 'map'); // refused: the node does no TF lookups
      });
      expect(moved.node.counters.goals).toBe(1);
      expect(moved.node.counters.rejected).toEqual({ 'goal.wrong_frame': 1 });
      const a = plain.commands.map(force);
      const b = moved.commands.map(force);
      expect(b.slice(0, 4)).toEqual(a.slice(0, 4));
      expect(b[4]).not.toEqual(a[4]);
      // Plans: warm, warm, warm in the plain run after the first; the goal change makes plan 3 cold.
      expect(plain.node.counters.warmPlans).toBe(3);
      expect(moved.node.counters.warmPlans).toBe(2);
    } finally {
      await plain.close();
      await moved.close();
    }
  });

  it("records the reward topic's value with each step, else the task's reward (posterior latent)", async () => {
    const run = async (states: [number, number, number, number][], rewards: number[] | null) => {
      const h = await startHarness({
        model: model.dir,
        planner_thread: 'inline',
        lockstep: true,
        latent_mode: 'posterior',
      });
      try {
        await lockstepRun(h, states, rewards ? (i, stamp) => h.reward(rewards[i]!, stamp) : undefined);
        return h.commands.map(force);
      } finally {
        await h.close();
      }
    };
    // The umaze goal is the G cell (1, 1): a trajectory around (3, 3) is outside the goal disc (task reward 0),
    // one around (1, 1) inside it (task reward 1).
    const far = trajectory(6).map(([x, y, vx, vy]): [number, number, number, number] => [
      x + 2,
      y + 2,
      vx,
      vy,
    ]);
    const near = trajectory(6);
    const farTask = await run(far, null);
    expect(await run(far, [0, 0, 0, 0, 0, 0])).toEqual(farTask);
    const farOne = await run(far, [1, 1, 1, 1, 1, 1]);
    expect(farOne.slice(0, 2)).toEqual(farTask.slice(0, 2)); // the first token is planned before any reward
    expect(farOne.slice(2)).not.toEqual(farTask.slice(2));
    expect(await run(near, null)).toEqual(await run(near, [1, 1, 1, 1, 1, 1]));
  });

  it('restarts the agent at the first odom after episode_start', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      await lockstepRun(h, trajectory(3), async (i, stamp) => {
        if (i === 1) await h.episodeStart(stamp);
      });
      // Reset at step 0, again at step 1 (new episode), plan cold at both.
      expect(h.node.counters.resets).toBe(2);
      expect(h.node.counters.plans).toBe(2);
      expect(h.node.counters.warmPlans).toBe(0);
      expect(h.commands.length).toBe(3);
    } finally {
      await h.close();
    }
  });

  it('reports STALE before the first odom, then OK with latency, misses, backend, model and reject counts', async () => {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      diagnostics_period: '0.5',
      sensor_timeout: '10.0',
    });
    try {
      await h.bus.run(500n * MS);
      expect(h.status().level).toBe(DIAGNOSTIC_LEVEL.STALE);
      expect(h.status().name).toBe('/planner: control loop');
      await lockstepRun(h, trajectory(4));
      await h.bus.run(500n * MS);
      const s = h.status();
      expect(s.level).toBe(DIAGNOSTIC_LEVEL.OK);
      expect(s.message).toBe('ok');
      expect(s.hardware_id).toBe('maze2d-umaze');
      for (const key of [
        'tick latency median ms',
        'tick latency p99 ms',
        'plan latency median ms',
        'deadline misses',
        'rejected messages',
        'planner errors',
        'backend',
        'model',
        'planner thread',
        'mode',
      ]) {
        expect(h.value(key), key).toBeDefined();
      }
      expect(h.value('backend')).toBe('wasm');
      expect(h.value('model')).toBe(model.dir);
      expect(h.value('mode')).toBe('lockstep');
      expect(h.value('commands')).toBe('4');
      expect(h.value('plans')).toBe('2');
      expect(Number(h.value('tick latency median ms'))).toBeGreaterThan(0);
      expect(h.value('deadline misses')).toBe('0');
    } finally {
      await h.close();
    }
  });
});

describe('managed (lifecycle) node', () => {
  it('acts only while active; deactivate sends a zero command and pauses; activate restarts the agent', async () => {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      managed: true,
    });
    try {
      const t = h.plannerTransport;
      expect(t.lifecycleState()).toBe('unconfigured');
      await h.odom(1, 1, 0, 0, 10n * MS);
      expect(h.commands.length).toBe(0);
      expect(t.transition('configure')).toBe(true);
      expect(t.transition('activate')).toBe(true);
      await h.bus.idle();
      // The state that arrived while inactive is answered on activation (a lockstep sim waits for it).
      expect(h.commands.length).toBe(1);
      await lockstepRun(h, trajectory(3), undefined, 20n * MS);
      expect(h.commands.length).toBe(4);
      expect(t.transition('deactivate')).toBe(true);
      await h.bus.idle();
      expect(h.commands.length).toBe(5);
      expect(force(h.commands[4]!)).toEqual([0, 0]);
      await h.odom(1.1, 1, 0, 0, 100n * MS);
      expect(h.commands.length).toBe(5);
      const resets = h.node.counters.resets;
      expect(t.transition('activate')).toBe(true);
      await h.bus.idle();
      expect(h.commands.length).toBe(6);
      expect(h.node.counters.resets).toBe(resets + 1);
    } finally {
      await h.close();
    }
  });
});

describe('planner node parameters', () => {
  it('declares every table parameter with a description, from -p overrides', async () => {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      on_overrun: 'zero',
    });
    try {
      for (const p of NODE_PARAMS) {
        expect(p.description.length, p.name).toBeGreaterThan(10);
        expect(() => h.plannerTransport.param(p.name), p.name).not.toThrow();
      }
      expect(h.plannerTransport.param('horizon')).toBe(FAST_PLANNER.horizonTokens);
      expect(h.plannerTransport.param('on_overrun')).toBe('zero');
      expect(h.node.plannerConfig.horizonTokens).toBe(FAST_PLANNER.horizonTokens);
      expect(h.node.plannerConfig.samplingSteps).toBe(FAST_PLANNER.samplingSteps);
    } finally {
      await h.close();
    }
  });

  it('loads a ROS 2 params file and refuses a bad one with every reason', async () => {
    const good = join(model.dir, 'good.yaml');
    writeFileSync(
      good,
      `planner:\n  ros__parameters:\n    sampling_steps: 2\n    warm_steps_left: 1\n    sensor_timeout: 0.5\n    schedule: autoregressive\n`,
    );
    const bus = createBus({ logger: silentLogger });
    const t = bus.node('planner', '', [
      ...plannerArgs({ model: model.dir, planner_thread: 'inline' }),
      '--params-file',
      good,
    ]);
    const node = await startPlannerNode({ transport: t, resolveTask: () => umazeTask() });
    expect(node.plannerConfig.samplingSteps).toBe(2);
    expect(node.plannerConfig.scheduleMode).toBe('autoregressive');
    expect(t.param('sensor_timeout')).toBe(0.5);
    await node.close();

    const bad = join(model.dir, 'bad.yaml');
    writeFileSync(
      bad,
      `/**:\n  ros__parameters:\n    sensor_timeout: 1\n    on_overrun: brake\n    horizon: 0\n`,
    );
    const t2 = bus.node('planner2', '', ['--ros-args', '-p', `model:=${model.dir}`, '--params-file', bad]);
    const err = await startPlannerNode({ transport: t2, resolveTask: () => umazeTask() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/sensor_timeout.*1\.0/);
    expect(text).toMatch(/on_overrun.*brake/);
    expect(text).toMatch(/horizon.*outside/);
    await bus.close();
  });

  it('applies valid dynamic updates between plans and refuses bad ones with a reason', async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      const t = h.plannerTransport;
      await lockstepRun(h, trajectory(2));
      expect(h.plans.at(-1)!.poses.length).toBe(FAST_PLANNER.horizonTokens * TEST_F);

      // Static: refused.
      expect(t.setParams({ model: '/elsewhere' })).toMatch(/read-only|static/);
      expect(t.setParams({ lockstep: false })).toMatch(/read-only|static/);
      // Out of the declared range or choices: refused by the table.
      expect(t.setParams({ horizon: 0 })).toMatch(/horizon/);
      expect(t.setParams({ on_overrun: 'brake' })).toMatch(/brake/);
      // Valid alone but not together: the planner's own check, with its reason.
      expect(t.setParams({ warm_steps_left: 3, warm_rows: 2 })).toMatch(/warmRows/);
      expect(h.node.counters.paramRejections).toBe(1);
      expect(h.node.plannerConfig.warmRows).toBe(FAST_PLANNER.warmRows);

      // Valid: applied; the next plan is 2 tokens long.
      expect(t.setParams({ horizon: 2, on_overrun: 'zero' })).toBeNull();
      expect(t.param('horizon')).toBe(2);
      expect(h.node.plannerConfig.horizonTokens).toBe(2);
      await lockstepRun(h, trajectory(2), undefined, 100n * MS);
      expect(h.plans.at(-1)!.poses.length).toBe(2 * TEST_F);
      expect(h.node.counters.paramUpdates).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('refuses to start without a model, naming the parameter', async () => {
    const bus = createBus({ logger: silentLogger });
    const t = bus.node('planner', '', []);
    await expect(startPlannerNode({ transport: t, resolveTask: () => umazeTask() })).rejects.toThrow(/model/);
    await bus.close();
  });
});

describe('planner node, real time', () => {
  it('control_trigger timer: publishes at control_rate_hz, one step per period on the newest state', async () => {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      sensor_timeout: '1.0',
      control_trigger: 'timer',
      plan_timing: 'hold',
    });
    try {
      await h.odom(1, 1, 0, 0, 1n);
      await h.bus.run(100n * MS);
      // 100 Hz for 100 ms: 10 commands, 5 plans (F = 2), all from the plan.
      expect(h.commands.length).toBe(10);
      expect(h.node.counters.plans).toBe(5);
      expect(h.node.counters.zeroCommands).toBe(0);
      expect(h.node.counters.fallbackCommands).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('plan_timing ahead: each plan is asked for within the token before its step and is in place at it', async () => {
    const h = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      sensor_timeout: '1.0',
      plan_timing: 'ahead',
      control_trigger: 'timer',
    });
    try {
      await h.odom(1, 1, 0, 0, 1n);
      await h.bus.run(100n * MS);
      expect(h.value('warm-up plans ms')).toMatch(/cold, .* warm/);
      expect(h.commands.length).toBe(10);
      // Plans for steps 0, 2, …, 8 and the one for step 10, asked for before it.
      expect(h.node.counters.plans).toBe(6);
      const last = h.node.lastPlan!;
      expect(last.target).toBe(10);
      expect(last.boundary).toBeLessThan(10);
      expect(h.node.counters.zeroCommands).toBe(0);
      expect(h.node.counters.fallbackCommands).toBe(0);
      expect(h.node.counters.deadlineMisses).toBe(0);
    } finally {
      await h.close();
    }
  });
});
