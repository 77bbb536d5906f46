/**
 * Fuzz test of the planner node's inputs (issue 10, Deliver 2): thousands of seeded random and adversarial
 * messages on every subscribed topic (odom, reward, goal_pose, episode_start) while the node runs, in real time
 * and in lockstep: extreme and non-finite values in every numeric field, malformed objects, reordered,
 * duplicated, future and restarting stamps, wrong frames, wrong-size arrays, bursts. The node must never throw,
 * never publish a non-finite or out-of-bounds command, keep its tensor count and heap flat, and plan normally
 * again once clean input returns. Inline planner and a tiny model, so a run is a few seconds.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createRng, type Rng } from '../../src/math/index.js';
import {
  collectGarbage,
  INPUT_SYNC_WAIT_NS,
  MAZE_QOS,
  MAZE_TOPICS,
  MAZE_TYPES,
} from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { timeFromNs, type WrenchStamped } from '../../src/transport/index.js';
import { saveMazeModel } from './maze-model.js';
import { feedTrajectory, type Harness, MS, PERIOD, rewardMessage, startHarness } from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

/** Doubles that break naive code: non-finite, beyond float32, float32's edge, subnormal, signed zero, huge. */
const EXTREMES = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e300,
  -1e300,
  1e39,
  -1e39,
  3.4028234663852886e38,
  -3.5e38,
  1e30,
  -1e30,
  5e-324,
  -0,
  2 ** 53,
];
const FRAMES = ['odom', '', 'map', 'ODOM', 'base_link', 'odom '.repeat(300), '\u0000', 'ödom'];
/** Values of the wrong kind for a numeric field (the bus refuses them at publish, as rclnodejs would fail). */
const WRONG_KINDS: unknown[] = ['1', null, {}, [], true, 1n];

class Fuzzer {
  readonly #rng: Rng;
  /** The fuzzer's own clock for "next" stamps (ns). */
  #clock = 5_000_000_000n;
  #lastOdom = this.#clock;

  constructor(seed: number) {
    this.#rng = createRng(seed);
  }

  chance(p: number): boolean {
    return this.#rng.uniform() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.#rng.int(items.length)]!;
  }

  int(n: number): number {
    return this.#rng.int(n);
  }

  /** Mostly plausible maze numbers, often extreme ones. */
  value(): number {
    return this.chance(0.7) ? (this.#rng.uniform() - 0.5) * 8 : this.pick(EXTREMES);
  }

  /** A field that is usually a number, sometimes of the wrong kind or missing. */
  field(): unknown {
    if (this.chance(0.02)) return this.pick(WRONG_KINDS);
    if (this.chance(0.02)) return undefined;
    return this.value();
  }

  /** Next, duplicate, slightly older, far older (a restart), far future, zero, or an invalid nanosec. */
  stamp(): { sec: number; nanosec: number } {
    const r = this.#rng.uniform();
    let ns: bigint;
    if (r < 0.6) {
      this.#clock += PERIOD;
      ns = this.#clock;
    } else if (r < 0.7) ns = this.#lastOdom;
    else if (r < 0.8) ns = this.#clock - BigInt(1 + this.int(50)) * MS;
    else if (r < 0.85) ns = BigInt(this.int(1000)) * MS;
    else if (r < 0.9) ns = this.#clock + 1_000_000n * MS;
    else if (r < 0.95) {
      // A restarted clock that the fuzzer keeps following.
      this.#clock = BigInt(this.int(100)) * MS;
      ns = this.#clock;
    } else return { sec: this.int(100), nanosec: 1_000_000_000 + this.int(1000) };
    this.#lastOdom = ns;
    return timeFromNs(ns);
  }

  header(): unknown {
    if (this.chance(0.02)) return this.pick(WRONG_KINDS);
    return { stamp: this.stamp(), frame_id: this.chance(0.85) ? 'odom' : this.pick(FRAMES) };
  }

  covariance(): unknown {
    if (this.chance(0.9)) return new Float64Array(36);
    if (this.chance(0.5)) return new Float64Array(this.pick([0, 35, 37, 1000])); // wrong size
    const c = new Float64Array(36);
    c[this.int(36)] = this.pick(EXTREMES);
    return c;
  }

  odom(): unknown {
    if (this.chance(0.02)) return this.pick([null, 'odom', 42, [], {}]);
    return {
      header: this.header(),
      child_frame_id: 'base_link',
      pose: {
        pose: {
          position: { x: this.field(), y: this.field(), z: this.field() },
          orientation: { x: 0, y: 0, z: 0, w: this.chance(0.95) ? 1 : this.field() },
        },
        covariance: this.covariance(),
      },
      twist: {
        twist: {
          linear: { x: this.field(), y: this.field(), z: 0 },
          angular: { x: 0, y: 0, z: this.field() },
        },
        covariance: this.covariance(),
      },
    };
  }

  goal(): unknown {
    if (this.chance(0.02)) return this.pick([null, 'goal', []]);
    return {
      header: this.header(),
      pose: {
        position: { x: this.field(), y: this.field(), z: this.field() },
        orientation: { x: this.field(), y: 0, z: 0, w: this.field() },
      },
    };
  }

  reward(): unknown {
    if (this.chance(0.03)) return this.pick([null, 'r', {}]);
    return { header: this.header(), vector: { x: this.field(), y: 0, z: 0 } };
  }
}

/** Every command on the wire: finite, within the action bounds, zero torque and z. */
function checkCommands(commands: readonly WrenchStamped[]): void {
  for (const c of commands) {
    const { force, torque } = c.wrench;
    for (const v of [force.x, force.y]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v)).toBeLessThanOrEqual(1);
    }
    expect([force.z, torque.x, torque.y, torque.z]).toEqual([0, 0, 0, 0]);
  }
}

interface Publishers {
  odom(msg: unknown): void;
  goal(msg: unknown): void;
  reward(msg: unknown): void;
  episode(msg: unknown): void;
}

function publishers(h: Harness): Publishers {
  const r = h.robot;
  const odom = r.advertise(MAZE_TYPES.odom, MAZE_TOPICS.odom, MAZE_QOS.odom) as (m: unknown) => void;
  const goal = r.advertise(MAZE_TYPES.goal, MAZE_TOPICS.goal, MAZE_QOS.goal) as (m: unknown) => void;
  const reward = r.advertise(MAZE_TYPES.reward, MAZE_TOPICS.reward, MAZE_QOS.reward) as (m: unknown) => void;
  const episode = r.advertise(MAZE_TYPES.episodeStart, MAZE_TOPICS.episodeStart, MAZE_QOS.episodeStart) as (
    m: unknown,
  ) => void;
  return { odom, goal, reward, episode };
}

/**
 * `count` fuzz messages: mostly odom, the rest reward, goal and episode_start; bursts of up to 60 messages
 * with no delivery in between; time moves (real time) between bursts. Returns how many the bus refused.
 */
async function fuzz(h: Harness, pub: Publishers, f: Fuzzer, count: number, realTime: boolean) {
  let refused = 0;
  let sent = 0;
  while (sent < count) {
    const burst = f.chance(0.1) ? 10 + f.int(50) : 1 + f.int(3);
    for (let i = 0; i < burst && sent < count; i++, sent++) {
      const r = f.int(100);
      try {
        if (r < 70) pub.odom(f.odom());
        else if (r < 85) pub.reward(f.reward());
        else if (r < 97) pub.goal(f.goal());
        else pub.episode(f.goal());
      } catch (err) {
        // The transport refuses what rclnodejs would refuse at publish; anything else would be a bug.
        expect(err).toBeInstanceOf(TransportError);
        refused += 1;
      }
    }
    await h.bus.idle();
    // Lockstep: states whose reward or episode start never came are taken once their wait runs out.
    await h.bus.run(realTime ? BigInt(1 + f.int(4)) * PERIOD : INPUT_SYNC_WAIT_NS);
    checkCommands(h.commands);
    h.commands.length = 0;
  }
  return refused;
}

/**
 * Clean input again, as a sim sends it after a reset: goal and episode_start stamped like the first state, then
 * a trajectory with each state's reward. Returns the commands it got.
 */
async function clean(h: Harness, pub: Publishers, realTime: boolean): Promise<{ commands: WrenchStamped[] }> {
  h.commands.length = 0;
  const before = { ...h.node.counters.rejected };
  const goals = h.node.counters.goals;
  const first = 10n * MS;
  await h.goal(3, 1, first);
  await h.episodeStart(first, [3, 1]);
  await feedTrajectory(h, 12, {
    first,
    realTime,
    between: (i) => {
      if (i > 0) pub.reward(rewardMessage(0, first + BigInt(i) * PERIOD));
    },
  });
  // The goal may be refused on arrival as older than a fuzzed one, then taken from episode_start; nothing else.
  const goalLate = (h.node.counters.rejected['goal.out_of_order'] ?? 0) - (before['goal.out_of_order'] ?? 0);
  expect(goalLate).toBeLessThanOrEqual(1);
  expect({ ...h.node.counters.rejected, 'goal.out_of_order': 0 }).toEqual({
    ...before,
    'goal.out_of_order': 0,
  });
  // One new goal, or none when the current one was (3, 1) already.
  expect(h.node.counters.goals - goals).toBeLessThanOrEqual(1);
  expect(h.logs.filter((l) => l.includes('new goal')).at(-1) ?? '(3.000, 1.000)').toContain('(3.000, 1.000)');
  expect(h.node.lastSource).toBe('plan');
  checkCommands(h.commands);
  return { commands: h.commands.splice(0) };
}

function heapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('node input fuzz', () => {
  for (const mode of ['real time', 'lockstep'] as const) {
    it(`${mode}: never throws, never publishes a bad command, stays flat in memory and recovers`, async () => {
      const realTime = mode === 'real time';
      const h = await startHarness({
        model: model.dir,
        planner_thread: 'inline',
        lockstep: !realTime,
        sensor_timeout: '0.05',
        on_overrun: 'hold',
      });
      try {
        const pub = publishers(h);
        const f = new Fuzzer(realTime ? 1 : 2);
        const forget = () => {
          h.diagnostics.length = 0;
          h.logs.length = 0;
          h.plans.length = 0;
        };
        // Warm up (first plans, first log lines), then two equal rounds: fuzz, clean input, measure.
        await fuzz(h, pub, f, 200, realTime);
        const warm = await clean(h, pub, realTime);
        expect(warm.commands.some((c) => c.wrench.force.x !== 0 || c.wrench.force.y !== 0)).toBe(true);
        forget();
        const tensors = tf.memory().numTensors;
        const heap = heapMb();
        let refused = 0;
        for (let round = 0; round < 2; round++) {
          refused += await fuzz(h, pub, f, 1200, realTime);
          await clean(h, pub, realTime);
          expect(h.logs.filter((l) => l.includes('planner node:'))).toEqual([]); // no internal error caught
          forget();
          expect(tf.memory().numTensors).toBe(tensors);
        }
        expect(heapMb() - heap).toBeLessThan(8);
        const c = h.node.counters;
        // Every kind of bad input was seen and counted (wrong sizes were refused at publish, see the bus test).
        expect(refused).toBeGreaterThan(0);
        for (const key of [
          'odom.non_finite',
          'odom.malformed',
          'odom.wrong_frame',
          'odom.out_of_order',
          'odom.duplicate',
          'goal.non_finite',
          'reward.non_finite',
        ]) {
          expect(c.rejected[key] ?? 0, key).toBeGreaterThan(0);
        }
        expect(c.stampRestarts).toBeGreaterThan(0);
        expect(c.nonFiniteCommands).toBe(0);
        // After all that, a clean report.
        await h.bus.run(2000n * MS);
        expect(h.diagnostics.length).toBeGreaterThan(0);
      } finally {
        await h.close();
      }
    });
  }
});
