/**
 * The maze sim node on the in-process bus with the real MuJoCo env. A scripted "controller" node plays the
 * planner: it records everything the sim publishes (in arrival order) and sends commands. Expected states come
 * from the env itself, driven directly with the same seed and actions (an independent path through the physics).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../sim/maze2d/evaluate.js';
import type { MazeEnv } from '../../../sim/maze2d/maze-env.js';
import { MAX_CATCH_UP_STEPS, type MazeSimConfig, MazeSimNode, SIM_PARAMS } from '../../../sim/nodes/index.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logging.js';
import { createRng } from '../../../src/math/rng.js';
import { MAZE_QOS, MAZE_TOPICS, MAZE_TYPES } from '../../../src/node/maze-topics.js';
import { declareParams } from '../../../src/params/index.js';
import {
  type Bus,
  createBus,
  type MsgInput,
  nsFromTime,
  type Odometry,
  type PoseStamped,
  timeFromNs,
  type Vector3Stamped,
  type WrenchStamped,
} from '../../../src/transport/index.js';
import { makeMaze } from '../../helpers/make-maze.js';

const MS = 1_000_000n;
const PERIOD = 10n * MS;

type Seen =
  | { topic: 'odom'; msg: Odometry }
  | { topic: 'reward'; msg: Vector3Stamped }
  | { topic: 'goal'; msg: PoseStamped }
  | { topic: 'episode'; msg: PoseStamped }
  | { topic: 'clock'; ns: bigint };

interface Rig {
  readonly bus: Bus;
  readonly sim: MazeSimNode;
  readonly env: MazeEnv;
  readonly seen: Seen[];
  /** Log lines of every node on the bus ('warn …', 'info …'). */
  readonly logs: string[];
  odoms(): Odometry[];
  command(
    x: number,
    y: number,
    options?: { stampNs?: bigint; frame?: string; raw?: MsgInput<WrenchStamped> },
  ): void;
}

const open: { bus: Bus; envs: MazeEnv[] }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.bus.close();
    for (const e of o.envs) e.close();
  }
});

async function rig(
  config: Partial<MazeSimConfig>,
  options: { time?: 'virtual' | 'real'; argv?: string[] } = {},
): Promise<Rig> {
  const logs: string[] = [];
  const logger = {
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };
  const bus = createBus({ logger, time: options.time ?? 'virtual' });
  const env = await makeMaze('maze2d-umaze');
  open.push({ bus, envs: [env] });
  const seen: Seen[] = [];
  const controller = bus.node('controller');
  // One listener node per topic: each node's executor takes one message per subscription per round in
  // subscription order (as rclnodejs does), so separate nodes are what shows the sim's publish order.
  const listener = (topic: string) => {
    const n = bus.node(`listen_${topic}`);
    n.start();
    return n;
  };
  listener('odom')
    .observe(MAZE_TYPES.odom, MAZE_TOPICS.odom, MAZE_QOS.odom)
    .subscribe((r) => seen.push({ topic: 'odom', msg: r.msg }));
  listener('reward')
    .observe(MAZE_TYPES.reward, MAZE_TOPICS.reward, MAZE_QOS.reward)
    .subscribe((r) => seen.push({ topic: 'reward', msg: r.msg }));
  listener('goal')
    .observe(MAZE_TYPES.goal, MAZE_TOPICS.goal, MAZE_QOS.goal)
    .subscribe((r) => seen.push({ topic: 'goal', msg: r.msg }));
  listener('episode')
    .observe(MAZE_TYPES.episodeStart, MAZE_TOPICS.episodeStart, MAZE_QOS.episodeStart)
    .subscribe((r) => seen.push({ topic: 'episode', msg: r.msg }));
  listener('clock')
    .observe(MAZE_TYPES.clock, MAZE_TOPICS.clock, MAZE_QOS.clock)
    .subscribe((r) => seen.push({ topic: 'clock', ns: nsFromTime(r.msg.clock) }));
  controller.start();
  const publish = controller.advertise(MAZE_TYPES.command, MAZE_TOPICS.command, MAZE_QOS.command);
  let stamp = 0n;
  const simTransport = bus.node('maze_sim', '', options.argv ?? []);
  const sim = new MazeSimNode(simTransport, env, config);
  sim.start();
  await bus.idle();
  return {
    bus,
    sim,
    env,
    seen,
    logs,
    odoms: () => seen.filter((s) => s.topic === 'odom').map((s) => (s as { msg: Odometry }).msg),
    command(x, y, o = {}) {
      stamp = o.stampNs ?? stamp + PERIOD;
      publish(
        o.raw ?? {
          header: { stamp: timeFromNs(stamp), frame_id: o.frame ?? 'odom' },
          wrench: { force: { x, y, z: 0 } },
        },
      );
    },
  };
}

/** The k-th episode's reset seed, drawn as the sim (and `df-planner eval`) draw it. */
function resetSeeds(seed: number, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.int(2 ** 31));
}

const position = (m: Odometry) => [m.pose.pose.position.x, m.pose.pose.position.y];

describe('maze sim node, lockstep', () => {
  it('publishes goal, episode_start and the first state, then one step per command, matching the env', async () => {
    const r = await rig({ lockstep: true, seed: 7, maxSteps: 12 });
    // Start of the episode, in the interface's order.
    expect(r.seen.map((s) => s.topic)).toEqual(['clock', 'goal', 'episode', 'odom']);
    const goal = r.seen[1] as Extract<Seen, { topic: 'goal' }>;
    expect([goal.msg.pose.position.x, goal.msg.pose.position.y]).toEqual([1, 1]);
    expect(goal.msg.header.frame_id).toBe('odom');
    // episode_start carries the goal, and both carry the first state's stamp (the planner pairs by stamp).
    const episode = r.seen[2] as Extract<Seen, { topic: 'episode' }>;
    expect(episode.msg).toEqual(goal.msg);
    const first = r.odoms()[0]!;
    expect(episode.msg.header.stamp).toEqual(first.header.stamp);
    expect(first.header.frame_id).toBe('odom');
    expect(first.child_frame_id).toBe('base_link');
    expect(nsFromTime(first.header.stamp)).toBe(0n);
    expect(first.pose.pose.orientation.w).toBe(1);

    // The same episode driven on a second env directly.
    const ref = await makeMaze('maze2d-umaze');
    open[0]!.envs.push(ref);
    const [resetSeed] = resetSeeds(7, 1);
    const o0 = ref.reset(resetSeed!).observation;
    expect(position(first)).toEqual([o0[0], o0[1]]);
    expect([first.twist.twist.linear.x, first.twist.twist.linear.y]).toEqual([o0[2], o0[3]]);

    const actions = Array.from({ length: 12 }, (_, k) => [Math.sin(k), Math.cos(0.7 * k) * 1.5]);
    for (const [k, a] of actions.entries()) {
      const before = r.seen.length;
      r.command(a[0]!, a[1]!);
      await r.bus.idle();
      const step = r.seen.slice(before);
      // One step: /clock, reward, odom (reward first, so a planner has it when the odom arrives).
      expect(step.map((s) => s.topic)).toEqual(['clock', 'reward', 'odom']);
      const odom = (step[2] as { msg: Odometry }).msg;
      expect(nsFromTime(odom.header.stamp)).toBe(BigInt(k + 1) * PERIOD);
      expect((step[0] as { ns: bigint }).ns).toBe(BigInt(k + 1) * PERIOD);
      const expected = ref.step(a);
      expect(position(odom)).toEqual([expected.observation[0], expected.observation[1]]);
      expect([odom.twist.twist.linear.x, odom.twist.twist.linear.y]).toEqual([
        expected.observation[2],
        expected.observation[3],
      ]);
      const reward = (step[1] as Extract<Seen, { topic: 'reward' }>).msg;
      expect(reward.vector.x).toBe(expected.reward);
      expect(reward.header.stamp).toEqual(odom.header.stamp);
    }
    const report = await r.sim.done;
    const e = report.episodes[0]!;
    expect(e).toMatchObject({
      mode: 'lockstep',
      steps: 12,
      resetSeed,
      commandsApplied: 12,
      deadlineMisses: 0,
    });
    expect(e.trajectory).toHaveLength(2 * 13);
    expect(Array.from(e.trajectory.slice(-2))).toEqual(position(r.odoms().at(-1)!));
  });

  it('drops malformed commands, counts them per reason, and still answers every odom', async () => {
    const sends: ((r: Rig) => void)[] = [
      (r) => r.command(0.5, 0.5),
      (r) => r.command(Number.NaN, 0),
      (r) => r.command(0.2, Number.POSITIVE_INFINITY),
      (r) => r.command(0.5, 0.5, { frame: 'map' }),
      (r) => r.command(0.5, 0.5, { frame: '' }),
      (r) => r.command(0, 0, { raw: { header: { stamp: { sec: 1, nanosec: 1.5e9 }, frame_id: 'odom' } } }),
      (r) => r.command(0.5, 0.5, { stampNs: 1n }),
      (r) => r.command(-0.5, 0.5, { stampNs: 100n * PERIOD }),
    ];
    const r = await rig({ lockstep: true, seed: 1, maxSteps: sends.length });
    for (const [k, send] of sends.entries()) {
      send(r);
      await r.bus.idle();
      // Every command, good or bad, moves a lockstep sim one step (a bad one with the held command).
      expect(r.odoms()).toHaveLength(2 + k);
    }
    const e = (await r.sim.done).episodes[0]!;
    expect(e.steps).toBe(sends.length);
    expect(e.commandsApplied).toBe(3);
    expect(e.rejected).toEqual({ non_finite: 2, malformed: 1, wrong_frame: 1, out_of_order: 1 });
    // One warning per reason, not per message.
    const warnings = r.logs.filter((l) => l.startsWith('warn') && l.includes('dropped a cmd_force command'));
    expect(warnings.map((l) => /\((\w+)\)/.exec(l)![1]).sort()).toEqual([
      'malformed',
      'non_finite',
      'out_of_order',
      'wrong_frame',
    ]);
    // The physics saw the good commands and held them across the bad ones: 0.5/0.5 for steps 1–7, then −0.5/0.5.
    const ref = await makeMaze('maze2d-umaze');
    open[0]!.envs.push(ref);
    ref.reset(resetSeeds(1, 1)[0]!);
    let last: Float64Array = new Float64Array(4);
    for (let k = 1; k <= sends.length; k++) last = ref.step(k < 8 ? [0.5, 0.5] : [-0.5, 0.5]).observation;
    expect(Array.from(e.trajectory.slice(-2))).toEqual([last[0], last[1]]);
  });

  it('runs episodes back to back: the answer to a final odom is dropped, starts match df-planner eval', async () => {
    const r = await rig({ lockstep: true, seed: 3, episodes: 2, maxSteps: 4 });
    for (let k = 0; k < 5; k++) {
      r.command(0.3, -0.3);
      await r.bus.idle();
    }
    // 4 steps, then the answer to the final odom (dropped), then episode 1 began.
    const topics = r.seen.map((s) => s.topic);
    expect(topics.filter((t) => t === 'episode')).toHaveLength(2);
    expect(r.sim.records).toHaveLength(1);
    // (Across topics the bus, like DDS, keeps each subscriber's order only: /clock may land anywhere here.)
    const tail = topics.slice(topics.lastIndexOf('reward') + 1).filter((t) => t !== 'clock');
    expect(tail).toEqual(['odom', 'goal', 'episode', 'odom']);
    const odoms = r.odoms();
    // Sim time keeps increasing across episodes (one dt between them).
    expect(nsFromTime(odoms.at(-1)!.header.stamp)).toBe(5n * PERIOD);
    for (let k = 0; k < 4; k++) {
      r.command(0.3, -0.3);
      await r.bus.idle();
    }
    const report = await r.sim.done;
    expect(report.episodes.map((e) => e.steps)).toEqual([4, 4]);
    expect(report.episodes.map((e) => e.commandsApplied)).toEqual([4, 4]);

    // evaluatePolicy draws the same starts for the same seed.
    const evaluated = await evaluatePolicy(
      () => makeMaze('maze2d-umaze'),
      { reset() {}, act: () => Float64Array.of(0, 0) },
      { episodes: 2, seed: 3, maxSteps: 1 },
    );
    expect(report.episodes.map((e) => e.resetSeed)).toEqual(evaluated.records.map((e) => e.resetSeed));
    expect(report.episodes.map((e) => e.start)).toEqual(evaluated.records.map((e) => e.start));
  });

  it('re-sends the first state (same stamp) every second until a command arrives', async () => {
    const r = await rig({ lockstep: true, maxSteps: 10 });
    await r.bus.run(2500n * MS);
    const odoms = r.odoms();
    expect(odoms).toHaveLength(3);
    expect(odoms.map((o) => nsFromTime(o.header.stamp))).toEqual([0n, 0n, 0n]);
    expect(odoms.map(position)).toEqual([position(odoms[0]!), position(odoms[0]!), position(odoms[0]!)]);
    r.command(0, 0);
    await r.bus.idle();
    expect(r.odoms()).toHaveLength(4);
    await r.bus.run(500n * MS);
    expect(r.odoms()).toHaveLength(4);
  });

  it('lockstep: re-sends an unanswered state with its reward every second, so a lost odom cannot stall the pair', async () => {
    const r = await rig({ lockstep: true, maxSteps: 10 });
    r.command(0.3, 0.2);
    await r.bus.idle();
    expect(r.odoms()).toHaveLength(2);
    // The step's odom "was lost": the controller does not answer. Unanswered states come again each second.
    await r.bus.run(2500n * MS);
    const odoms = r.odoms();
    expect(odoms.map((o) => nsFromTime(o.header.stamp))).toEqual([0n, PERIOD, PERIOD, PERIOD]);
    expect(odoms.slice(2).map(position)).toEqual([position(odoms[1]!), position(odoms[1]!)]);
    const rewards = r.seen.filter((x) => x.topic === 'reward');
    expect(rewards).toHaveLength(3);
    // Answering the copy moves the sim on, and an answered state is not re-sent.
    r.command(0.3, 0.2);
    await r.bus.idle();
    expect(r.odoms()).toHaveLength(5);
    expect(nsFromTime(r.odoms()[4]!.header.stamp)).toBe(2n * PERIOD);
    r.command(0.3, 0.2);
    await r.bus.idle();
    await r.bus.run(900n * MS);
    expect(r.odoms()).toHaveLength(6);
    const e = r.sim.records;
    expect(e).toHaveLength(0);
  });
});

describe('maze sim node, real time', () => {
  it('steps every dt holding the last command; a step without a new command is a deadline miss', async () => {
    const r = await rig({ lockstep: false, waitForController: false, maxSteps: 8, seed: 2 });
    // The controller answers odoms 1, 2, 3, 5, 6 (not 4 and not the last): misses at step 1 (zero command,
    // nothing sent yet), step 5 and step 8.
    const answerAfter = new Set([1, 2, 3, 5, 6]);
    for (let k = 1; k <= 8; k++) {
      await r.bus.run(PERIOD);
      expect(r.odoms()).toHaveLength(1 + k);
      if (answerAfter.has(k)) r.command(0.4, 0.1);
      await r.bus.idle();
    }
    const e = (await r.sim.done).episodes[0]!;
    expect(e).toMatchObject({
      mode: 'realtime',
      steps: 8,
      deadlineMisses: 3,
      zeroCommandSteps: 1,
      commandsApplied: 5,
      catchUpSteps: 0,
      slippedSteps: 0,
    });
    expect(e.achievedRealTimeFactor).toBeCloseTo(1, 6);
    // Held commands: the physics saw 0, then 0.4/0.1 from step 2 on, including the held steps.
    const ref = await makeMaze('maze2d-umaze');
    open[0]!.envs.push(ref);
    ref.reset(resetSeeds(2, 1)[0]!);
    let last: Float64Array = new Float64Array(4);
    for (let k = 1; k <= 8; k++) last = ref.step(k === 1 ? [0, 0] : [0.4, 0.1]).observation;
    expect(Array.from(e.trajectory.slice(-2))).toEqual([last[0], last[1]]);
  });

  it('with wait_for_controller, holds the episode until the first command, then runs on the wall clock', async () => {
    const r = await rig({ lockstep: false, waitForController: true, maxSteps: 3 });
    await r.bus.run(200n * MS);
    expect(r.odoms()).toHaveLength(1);
    // A controller that is up but has no plan yet sends zeros: time starts running anyway.
    r.command(0, 0);
    await r.bus.idle();
    for (let k = 0; k < 3; k++) {
      await r.bus.run(PERIOD);
      r.command(0.5, 0);
      await r.bus.idle();
    }
    const e = (await r.sim.done).episodes[0]!;
    expect(e).toMatchObject({ steps: 3, deadlineMisses: 0, zeroCommandSteps: 0, commandsApplied: 3 });
    // The zero command drove step 1, then 0.5/0 (the physics agrees).
    const ref = await makeMaze('maze2d-umaze');
    open[0]!.envs.push(ref);
    ref.reset(resetSeeds(0, 1)[0]!);
    let last: Float64Array = new Float64Array(4);
    for (let k = 1; k <= 3; k++) last = ref.step(k === 1 ? [0, 0] : [0.5, 0]).observation;
    expect(Array.from(e.trajectory.slice(-2))).toEqual([last[0], last[1]]);
  });

  it('catches up on the wall clock when its timer fires late, and lets time slip beyond the limit', async () => {
    const r = await rig({ lockstep: false, waitForController: false, maxSteps: 200 }, { time: 'real' });
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {}
    };
    // Block the event loop (the sim's thread) for 6 and then 30 periods.
    await new Promise((resolve) => setTimeout(resolve, 30));
    busy(60);
    await new Promise((resolve) => setTimeout(resolve, 30));
    busy(300);
    const e = (await r.sim.done).episodes[0]!;
    expect(e.steps).toBe(200);
    // ≥ 5 back-to-back steps after the first block; ≥ 19 slipped after the second (30 due, at most 11 taken).
    expect(e.catchUpSteps).toBeGreaterThanOrEqual(5 + MAX_CATCH_UP_STEPS - 1);
    expect(e.slippedSteps).toBeGreaterThanOrEqual(30 - MAX_CATCH_UP_STEPS - 1);
    // Nothing commands this sim: every step is a miss with the zero command, none is a catch-up miss.
    expect(e.deadlineMisses + e.catchUpSteps).toBe(200);
    expect(e.zeroCommandSteps).toBe(e.deadlineMisses);
  });
});

describe('maze sim node, configuration', () => {
  it('declares its parameter table with ROS typing and refuses bad values all at once', async () => {
    const bus = createBus({ logger: silentLogger });
    open.push({ bus, envs: [] });
    const ok = bus.node('maze_sim', '', [
      '--ros-args',
      '-p',
      'task:=maze2d-large',
      '-p',
      'lockstep:=true',
      '-p',
      'real_time_factor:=2.5',
      '-p',
      'episodes:=3',
    ]);
    expect(declareParams(ok, SIM_PARAMS)).toMatchObject({
      task: 'maze2d-large',
      lockstep: true,
      realTimeFactor: 2.5,
      episodes: 3,
      seed: 0,
      maxSteps: 0,
      waitForController: true,
      randomGoal: false,
    });
    const bad = bus.node('maze_sim2', '', [
      '--ros-args',
      '-p',
      'task:=maze2d-huge',
      '-p',
      'real_time_factor:=2',
      '-p',
      'episodes:=0',
    ]);
    let error: unknown;
    try {
      declareParams(bad, SIM_PARAMS);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual([
      'episodes',
      'real_time_factor',
      'task',
    ]);
  });

  it('refuses use_sim_time (it is the clock) and bad direct settings', async () => {
    const bus = createBus({ logger: silentLogger });
    const env = await makeMaze('maze2d-umaze');
    open.push({ bus, envs: [env] });
    const t = bus.node('maze_sim', '', ['--ros-args', '-p', 'use_sim_time:=true']);
    expect(() => new MazeSimNode(t, env, {})).toThrow(/publishes \/clock and cannot also follow it/);
    const t2 = bus.node('maze_sim2');
    let error: unknown;
    try {
      new MazeSimNode(t2, env, { episodes: 0, realTimeFactor: 0, seed: 1.5 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual([
      'episodes',
      'realTimeFactor',
      'seed',
    ]);
  });
});
