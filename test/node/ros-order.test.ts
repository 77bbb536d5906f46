/**
 * The planner node under ROS 2's delivery rules, which the bus follows (src/transport/bus/bus-core.ts):
 * - Order across topics (docs/ros2.md §4): DDS keeps no order across topics, and rclnodejs takes one message
 *   per ready subscription per round in subscription order (the planner subscribes odom first), so a reward,
 *   goal or episode start published just before an odom may be handled after it. The node pairs them with their
 *   state by stamp, so every arrival order gives the same commands, plans and restarts.
 * - RViz's 2D Goal Pose publishes volatile: a transient-local subscription alone would never hear it, while a
 *   latched goal published before the planner started must still arrive (and count once).
 * Bus on virtual time, real planner (inline) and a tiny untrained maze model (posterior latent, so the rewards
 * reach the plans).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { INPUT_SYNC_WAIT_NS, MAZE_QOS, MAZE_TOPICS, MAZE_TYPES } from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { timeFromNs } from '../../src/transport/index.js';
import { saveMazeModel } from './maze-model.js';
import {
  force,
  type Harness,
  MS,
  odomMessage,
  PERIOD,
  poseMessage,
  rewardMessage,
  startHarness,
  trajectory,
} from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

/** One message of the sim's stream, published by `send` on the harness's robot node. */
interface Item {
  readonly name: string;
  readonly send: (p: Publishers) => void;
}

interface Publishers {
  odom(m: unknown): void;
  reward(m: unknown): void;
  goal(m: unknown): void;
  episode(m: unknown): void;
}

function publishers(h: Harness): Publishers {
  const r = h.robot;
  const as = (f: unknown) => f as (m: unknown) => void;
  return {
    odom: as(r.advertise(MAZE_TYPES.odom, MAZE_TOPICS.odom, MAZE_QOS.odom)),
    reward: as(r.advertise(MAZE_TYPES.reward, MAZE_TOPICS.reward, MAZE_QOS.reward)),
    goal: as(r.advertise(MAZE_TYPES.goal, MAZE_TOPICS.goal, MAZE_QOS.goal)),
    episode: as(r.advertise(MAZE_TYPES.episodeStart, MAZE_TOPICS.episodeStart, MAZE_QOS.episodeStart)),
  };
}

/**
 * What a maze sim publishes for two episodes of 6 states (its order: per state the reward, or at an episode
 * start goal_pose and episode_start, then the odom). Episode 0 keeps the task's goal (1, 1); episode 1 moves it
 * to (3, 1), as `random_goal` would. Rewards alternate 0/1 so a reward paired with the wrong state shows.
 */
function simStream(): Item[][] {
  const groups: Item[][] = [];
  const states = trajectory(12);
  let stamp = 10n * MS;
  for (const [i, [x, y, vx, vy]] of states.entries()) {
    if (i === 6) stamp += PERIOD; // one extra dt between episodes, as the sim does
    const s = stamp;
    const group: Item[] = [];
    if (i % 6 === 0) {
      const [gx, gy] = i === 0 ? [1, 1] : [3, 1];
      group.push({ name: `goal@${i}`, send: (p) => p.goal(poseMessage(gx, gy, s)) });
      group.push({ name: `episode@${i}`, send: (p) => p.episode(poseMessage(gx, gy, s)) });
    } else {
      group.push({ name: `reward@${i}`, send: (p) => p.reward(rewardMessage(i % 2, s)) });
    }
    group.push({ name: `odom@${i}`, send: (p) => p.odom(odomMessage(x, y, vx, vy, s)) });
    groups.push(group);
    stamp += PERIOD;
  }
  return groups;
}

const PERMUTATIONS_3 = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/**
 * How the robot's messages reach the node. `order(k, group)` gives the arrival order of group k (each message
 * delivered before the next is published); `burst` publishes a whole group (or, with `boundary`, the final state
 * of episode 0 together with episode 1's first group, as the sim sends them without waiting) and lets the bus
 * deliver it in rclnodejs rounds: odom first.
 */
type Delivery =
  | { readonly kind: 'sequential'; readonly order: (k: number, group: readonly Item[]) => readonly Item[] }
  | { readonly kind: 'burst'; readonly boundary: boolean };

function permuted(run: number): Delivery {
  return {
    kind: 'sequential',
    order: (_k, group) =>
      group.length === 3
        ? PERMUTATIONS_3[run % 6]!.map((j) => group[j]!)
        : run % 2 === 0
          ? group
          : [...group].reverse(),
  };
}

interface Outcome {
  readonly commands: [number, number][];
  readonly plans: number[][];
  readonly resets: number;
  readonly plans_: number;
  readonly warmPlans: number;
  readonly rejected: Record<string, number>;
}

async function runStream(
  lockstep: boolean,
  delivery: Delivery,
  params: Record<string, string> = {},
): Promise<Outcome> {
  const h = await startHarness({
    model: model.dir,
    planner_thread: 'inline',
    lockstep,
    latent_mode: 'posterior',
    sensor_timeout: '10.0',
    ...params,
  });
  try {
    const p = publishers(h);
    const groups = simStream();
    const tick = async () => {
      if (!lockstep) await h.bus.run(PERIOD);
    };
    for (let k = 0; k < groups.length; k++) {
      if (delivery.kind === 'sequential') {
        for (const item of delivery.order(k, groups[k]!)) {
          item.send(p);
          await h.bus.idle();
        }
      } else {
        const together = delivery.boundary && k === 5;
        for (const item of [...groups[k]!, ...(together ? groups[k + 1]! : [])]) item.send(p);
        await h.bus.idle();
        if (together) {
          await tick();
          k += 1;
        }
      }
      await tick();
    }
    return {
      commands: h.commands.map(force),
      plans: h.plans.map((plan) => plan.poses.flatMap((q) => [q.pose.position.x, q.pose.position.y])),
      resets: h.node.counters.resets,
      plans_: h.node.counters.plans,
      warmPlans: h.node.counters.warmPlans,
      rejected: h.node.counters.rejected,
    };
  } finally {
    await h.close();
  }
}

describe('planner node: order across topics does not matter', () => {
  it('lockstep: rewards, goals and episode starts in every arrival order, and in rclnodejs rounds, give the same run', async () => {
    const reference = await runStream(true, permuted(0));
    // One command per state; a restart at each episode start (cold plans there), none elsewhere.
    expect(reference.commands).toHaveLength(12);
    expect(reference.resets).toBe(2);
    expect(reference.rejected).toEqual({});
    const deliveries: [string, Delivery][] = [
      ...[1, 2, 3, 4, 5].map((run): [string, Delivery] => [`permutation ${run}`, permuted(run)]),
      ['rclnodejs rounds', { kind: 'burst', boundary: false }],
      ['rclnodejs rounds across the episode boundary', { kind: 'burst', boundary: true }],
    ];
    for (const [name, delivery] of deliveries) {
      expect(await runStream(true, delivery), name).toEqual(reference);
    }
  });

  it('real time: a state is stepped with its own reward and episode start, whatever order they arrive in', async () => {
    // control_trigger state: each state is stepped when it is complete; timer: each tick pairs the newest state.
    // plan_timing hold: 'ahead' asks for plans early by the measured (wall-clock) latency, not reproducible.
    for (const trigger of ['state', 'timer']) {
      const params = { control_trigger: trigger, plan_timing: 'hold' };
      const reference = await runStream(false, permuted(0), params);
      expect(reference.resets, trigger).toBe(2);
      expect(reference.commands.length, trigger).toBeGreaterThanOrEqual(12);
      for (const [name, delivery] of [
        ['each odom before its reward, goal and episode start', permuted(5)],
        ['rclnodejs rounds', { kind: 'burst', boundary: false }],
      ] as [string, Delivery][]) {
        expect(await runStream(false, delivery, params), `${trigger}: ${name}`).toEqual(reference);
      }
    }
  });

  it("lockstep: an episode's first state re-sent after its late episode start is still a duplicate", async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      const p = publishers(h);
      const [first] = simStream();
      for (const item of first!) item.send(p); // rclnodejs round: the odom is handled before episode_start
      await h.bus.idle();
      // The sim re-sends a state unanswered for a second (a slow first plan): same stamp, so a copy.
      first!.at(-1)!.send(p);
      await h.bus.idle();
      expect(h.commands).toHaveLength(1);
      expect(h.node.counters.rejected).toEqual({ 'odom.duplicate': 1 });
      expect(h.node.counters.resets).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('lockstep: a state whose reward was lost is answered after a bounded wait, and the late reward is not used for another state', async () => {
    // Rewards flow for states 1..3; state 4's reward is lost (a) or arrives after its wait ran out (b).
    const run = async (late: boolean) => {
      const h = await startHarness({
        model: model.dir,
        planner_thread: 'inline',
        lockstep: true,
        latent_mode: 'posterior',
        sensor_timeout: '10.0',
      });
      try {
        const p = publishers(h);
        let stamp = 10n * MS;
        for (const [i, [x, y, vx, vy]] of trajectory(8).entries()) {
          if (i > 0 && i !== 4) p.reward(rewardMessage(i % 2, stamp));
          p.odom(odomMessage(x, y, vx, vy, stamp));
          await h.bus.idle();
          if (i === 4) {
            expect(h.commands).toHaveLength(4); // waiting for its reward
            await h.bus.run(INPUT_SYNC_WAIT_NS - 1n);
            expect(h.commands).toHaveLength(4);
            await h.bus.run(1n);
            expect(h.commands).toHaveLength(5);
            if (late) {
              p.reward(rewardMessage(1, stamp));
              await h.bus.idle();
            }
          }
          expect(h.commands).toHaveLength(i + 1);
          stamp += PERIOD;
        }
        expect(h.logs.filter((l) => l.includes('without its reward'))).toHaveLength(1);
        return h.commands.map(force);
      } finally {
        await h.close();
      }
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it("takes RViz's volatile 2D Goal Pose, and a latched goal published before it started, once", async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      const goals = h.node.counters.goals;
      await h.goal(1, 2, 5n * MS);
      expect(h.node.counters.goals).toBe(goals + 1);
      const rviz = h.bus.node('rviz2');
      const pub = rviz.advertise(MAZE_TYPES.goal, MAZE_TOPICS.goal, 'default');
      rviz.start();
      pub({
        header: { stamp: timeFromNs(50n * MS), frame_id: 'odom' },
        pose: { position: { x: 3, y: 1, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
      });
      await h.bus.idle();
      expect(h.node.counters.goals).toBe(goals + 2);
      expect(h.logs.some((l) => l.includes('new goal (3.000, 1.000)'))).toBe(true);
    } finally {
      await h.close();
    }
  });
});
