import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, TransportError } from '../../src/errors.js';
import type { Logger } from '../../src/logging.js';
import { createBus, type Received, timeFromNs } from '../../src/transport/index.js';
import { runTransportContract } from './transport-contract.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

runTransportContract('in-process bus (virtual time)', async () => {
  const bus = createBus({ logger: recordingLogger() });
  return {
    exact: true,
    node: async (name, ns, argv) => bus.node(name, ns, argv),
    advance: (ns) => bus.run(ns),
    settle: () => bus.idle(),
    close: () => bus.close(),
  };
});

describe('in-process bus specifics', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('warns on both sides of a QoS mismatch', async () => {
    const logger = recordingLogger();
    const bus = createBus({ logger });
    const a = bus.node('driver');
    const b = bus.node('planner');
    a.advertise('nav_msgs/msg/Odometry', '/odom', 'sensor');
    b.observe('nav_msgs/msg/Odometry', '/odom', 'default');
    expect(
      logger.lines.filter((l) => l.includes('incompatible QoS') && l.includes('RELIABILITY')),
    ).toHaveLength(2);
    b.observe('nav_msgs/msg/Odometry', '/odom', 'sensor');
    expect(logger.lines.filter((l) => l.includes('incompatible QoS'))).toHaveLength(2);
    await bus.close();
  });

  it('holds messages until the receiving node starts, keeping only the newest depth', async () => {
    const bus = createBus();
    const a = bus.node('a');
    const b = bus.node('b');
    const got: number[] = [];
    b.observe('std_msgs/msg/Float64', '/x', 'sensor').subscribe((r) => got.push(r.msg.data));
    const pub = a.advertise('std_msgs/msg/Float64', '/x', 'sensor');
    for (let i = 1; i <= 8; i++) pub({ data: i });
    await bus.idle();
    expect(got).toEqual([]);
    b.start();
    await bus.idle();
    expect(got).toEqual([4, 5, 6, 7, 8]);
    await bus.close();
  });

  it('gives each subscriber its own copy', async () => {
    const bus = createBus();
    const a = bus.node('a');
    const b = bus.node('b');
    const first: Received<{ data: Float32Array }>[] = [];
    const second: Received<{ data: Float32Array }>[] = [];
    b.observe('std_msgs/msg/Float32MultiArray', '/plan', 'default').subscribe((r) => first.push(r));
    b.observe('std_msgs/msg/Float32MultiArray', '/plan', 'default').subscribe((r) => second.push(r));
    const pub = a.advertise('std_msgs/msg/Float32MultiArray', '/plan', 'default');
    a.start();
    b.start();
    const data = [1, 2, 3];
    pub({ data });
    data[0] = 99;
    await bus.idle();
    first[0]!.msg.data[1] = -1;
    expect([...second[0]!.msg.data]).toEqual([1, 2, 3]);
    await bus.close();
  });

  it('follows /clock when use_sim_time is true: ros timers on sim time, steady timers on the bus clock', async () => {
    const bus = createBus({ startNs: 1_000_000_000n });
    const sim = bus.node('sim');
    const planner = bus.node('planner', '', ['--ros-args', '-p', 'use_sim_time:=true']);
    expect(planner.param('use_sim_time')).toBe(true);
    const clock = sim.advertise('rosgraph_msgs/msg/Clock', '/clock', 'default');
    const rosTicks: bigint[] = [];
    const steadyTicks: bigint[] = [];
    planner.every(100_000_000n, () => rosTicks.push(planner.nowNs()));
    planner.every(100_000_000n, () => steadyTicks.push(bus.clock.nowNs()), 'steady');
    const stamps: bigint[] = [];
    planner.observe('std_msgs/msg/Empty', '/ping', 'default').subscribe((r) => stamps.push(r.recvNs));
    const ping = sim.advertise('std_msgs/msg/Empty', '/ping', 'default');
    sim.start();
    planner.start();
    expect(planner.nowNs()).toBe(0n);
    await bus.run(250_000_000n);
    expect(rosTicks).toEqual([]);
    expect(steadyTicks).toEqual([1_100_000_000n, 1_200_000_000n]);
    for (let ms = 50; ms <= 300; ms += 50) {
      clock({ clock: timeFromNs(BigInt(ms) * 1_000_000n) });
      await bus.idle();
    }
    expect(rosTicks).toEqual([100_000_000n, 200_000_000n, 300_000_000n]);
    ping({});
    await bus.idle();
    expect(stamps).toEqual([300_000_000n]);
    // A sim reset (time jumps back) restarts the ROS timers from the new time.
    clock({ clock: timeFromNs(0n) });
    await bus.idle();
    clock({ clock: timeFromNs(100_000_000n) });
    await bus.idle();
    expect(rosTicks.at(-1)).toBe(100_000_000n);
    // Switching sim time off at runtime moves ROS timers back to the bus clock.
    expect(planner.setParams({ use_sim_time: false })).toBeNull();
    const before = rosTicks.length;
    await bus.run(100_000_000n);
    expect(rosTicks.length).toBe(before + 1);
    await bus.close();
  });

  it('run() lets deliveries settle between timers, so a same-period consumer sees fresh state', async () => {
    const bus = createBus();
    const sim = bus.node('sim');
    const planner = bus.node('planner');
    const odom = sim.advertise('nav_msgs/msg/Odometry', 'odom', 'default');
    let step = 0;
    sim.every(50_000_000n, () => odom({ pose: { pose: { position: { x: ++step } } } }));
    let latest = 0;
    planner.observe('nav_msgs/msg/Odometry', 'odom', 'sensor').subscribe((r) => {
      latest = r.msg.pose.pose.position.x;
    });
    const seen: number[] = [];
    planner.every(50_000_000n, () => seen.push(latest));
    sim.start();
    planner.start();
    await bus.run(200_000_000n);
    expect(seen).toEqual([1, 2, 3, 4]);
    // advance() fires synchronously: no delivery happens in between.
    bus.clock.advance(100_000_000n);
    expect(seen.slice(4)).toEqual([4, 4]);
    await bus.close();
  });

  it('real-time mode fires timers from setTimeout and skips missed periods', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'hrtime', 'Date'] });
    const bus = createBus({ time: 'real' });
    const node = bus.node('rt');
    const ticks: bigint[] = [];
    const t0 = node.nowNs();
    node.every(50_000_000n, () => ticks.push(node.nowNs() - t0));
    node.start();
    vi.advanceTimersByTime(120);
    expect(ticks.map((t) => Number(t / 1_000_000n))).toEqual([50, 100]);
    expect(() => bus.clock.advance(1n)).toThrow(TransportError);
    await bus.close();
    vi.advanceTimersByTime(200);
    expect(ticks).toHaveLength(2);
  });

  it('refuses a second type on a topic, bad names, bad QoS and bad periods', async () => {
    const bus = createBus();
    const n = bus.node('n');
    n.advertise('std_msgs/msg/Float64', '/x', 'default');
    expect(() => n.observe('std_msgs/msg/Float32', '/x', 'default')).toThrow(
      /carries std_msgs\/msg\/Float64/,
    );
    expect(() => n.advertise('std_msgs/msg/Float64', 'bad name', 'default')).toThrow(TransportError);
    expect(() => n.advertise('std_msgs/msg/Float64', '/a//b', 'default')).toThrow(TransportError);
    expect(() => n.advertise('std_msgs/msg/Float64', '/y', 'fast' as never)).toThrow(/unknown QoS/);
    expect(() => n.every(50 as unknown as bigint, () => {})).toThrow(/bigint/);
    expect(() => bus.node('9lives')).toThrow(TransportError);
    expect(() => bus.node('ok', 'bad ns')).toThrow(TransportError);
    expect(() => bus.node('ok', '', ['--ros-args', '--frobnicate'])).toThrow(ConfigError);
    expect(() => bus.node('ok', '', ['--ros-args', '-p'])).toThrow(/needs a value/);
    await bus.close();
  });

  it('names the field of a malformed message', async () => {
    const bus = createBus();
    const n = bus.node('n');
    const pub = n.advertise('geometry_msgs/msg/Twist', 'cmd_vel', 'command');
    expect(() => pub({ linear: { x: 'fast' as unknown as number } })).toThrow(
      /geometry_msgs\/msg\/Twist: field 'linear\.x' expects float64, got "fast"/,
    );
    const cov = n.advertise('nav_msgs/msg/Odometry', 'odom', 'sensor');
    expect(() => cov({ pose: { covariance: [1, 2, 3] } })).toThrow(/pose\.covariance' expects exactly 36/);
    await bus.close();
  });

  it('lifecycle: a throwing hook sends the node to unconfigured; inactive publishes warn once', async () => {
    const logger = recordingLogger();
    const bus = createBus({ logger });
    const n = bus.node('m');
    n.lifecycle({
      configure: () => {
        throw new Error('bad checkpoint');
      },
    });
    const pub = n.advertise('std_msgs/msg/Bool', '/b', 'default');
    n.start();
    pub({ data: true });
    pub({ data: true });
    expect(logger.lines.filter((l) => l.includes('not activated'))).toHaveLength(1);
    expect(n.transition('configure')).toBe(false);
    expect(n.lifecycleState()).toBe('unconfigured');
    expect(logger.lines.some((l) => l.startsWith('error') && l.includes('bad checkpoint'))).toBe(true);
    expect(() => n.lifecycle({})).toThrow(TransportError);
    await bus.close();
  });

  it('close completes observables, stops timers, runs hooks once, and is idempotent', async () => {
    const bus = createBus();
    const n = bus.node('c');
    let completed = false;
    n.observe('std_msgs/msg/Bool', '/b', 'default').subscribe({ complete: () => (completed = true) });
    let ticks = 0;
    n.every(10_000_000n, () => ticks++);
    let hooks = 0;
    n.onShutdown(() => hooks++);
    n.start();
    const p1 = n.close();
    const p2 = n.close();
    expect(p1).toBe(p2);
    await p1;
    expect(completed).toBe(true);
    expect(hooks).toBe(1);
    bus.clock.advance(100_000_000n);
    expect(ticks).toBe(0);
    expect(() => n.advertise('std_msgs/msg/Bool', '/b', 'default')).toThrow(/closed/);
    await bus.close();
  });

  it('warns about two nodes with one name, and applies node-prefixed -p only to that node', async () => {
    const logger = recordingLogger();
    const bus = createBus({ logger });
    const argv = ['--ros-args', '-p', 'planner:gain:=2.0', '-p', 'all:=1'];
    const p = bus.node('planner', '', argv);
    const q = bus.node('other', '', argv);
    expect(p.declare('gain', { type: 'double', default: 1 })).toBe(2);
    expect(q.declare('gain', { type: 'double', default: 1 })).toBe(1);
    expect(q.declare('all', { type: 'int', default: 0 })).toBe(1);
    bus.node('planner');
    expect(logger.lines.some((l) => l.includes('another node named /planner'))).toBe(true);
    await bus.close();
  });
});
