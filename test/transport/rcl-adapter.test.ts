/**
 * The rclnodejs adapter against FakeRcl (docs/ros2.md §5.3 T2, T4): the transport contract suite on the adapter,
 * with FakeRcl following rclnodejs 2.2.0's rules (fake-rcl.ts cites them), and the adapter's own wiring (type
 * strings, QoS profiles, bigint periods, signal handling, params conversion, lifecycle order). It says nothing
 * about DDS or rcl itself (that is ros.test.ts, on a ROS machine).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, TransportError } from '../../src/errors.js';
import { createTransport, type Transport } from '../../src/transport/index.js';
import {
  assertNodeVersion,
  createRosTransport,
  NEEDS_ROS_MESSAGE,
  osCodename,
} from '../../src/transport/rcl/create-ros-transport.js';
import { FakeLifecycleNode, FakeRcl } from './fake-rcl.js';
import { runTransportContract } from './transport-contract.js';

const ROS_ENV = { ROS_DISTRO: 'jazzy', AMENT_PREFIX_PATH: '/opt/ros/jazzy' };

runTransportContract('rclnodejs adapter on FakeRcl (rclnodejs 2.2.0 rules, no ROS)', async () => {
  const rcl = new FakeRcl();
  const open: Transport[] = [];
  return {
    exact: true,
    async node(name, ns = '', argv = [], options = {}) {
      const t = await createRosTransport(name, argv, {
        env: ROS_ENV,
        load: async () => rcl,
        handleSignals: false,
        flushMs: 0,
        namespace: ns,
        managed: options.managed ?? false,
      });
      open.push(t);
      return t;
    },
    advance: (ns) => rcl.core.run(ns),
    settle: () => rcl.core.idle(),
    async close() {
      for (const t of open) await t.close();
    },
  };
});

async function make(argv: string[] = [], name = 'planner', managed = false) {
  const rcl = new FakeRcl();
  const t = await createRosTransport(name, argv, {
    env: ROS_ENV,
    load: async () => rcl,
    handleSignals: false,
    flushMs: 0,
    managed,
  });
  const node = rcl.nodes.at(-1)!;
  return { rcl, t, node };
}

describe('rclnodejs adapter wiring (FakeRcl)', () => {
  const open: Transport[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });

  it('inits its own context with argv and removes the rclnodejs SIGINT handler before and after init', async () => {
    const argv = ['--ros-args', '-p', 'seed:=3'];
    const { rcl, t } = await make(argv);
    open.push(t);
    expect(rcl.calls.slice(0, 4)).toEqual([
      'removeSignalHandlers',
      'init --ros-args -p seed:=3',
      'removeSignalHandlers',
      'node planner',
    ]);
    expect(rcl.contexts).toHaveLength(1);
    expect(t.fqn).toBe('/planner');
  });

  it('passes exact type strings and maps QoS names to profiles', async () => {
    const { t, node } = await make();
    open.push(t);
    t.advertise('geometry_msgs/msg/WrenchStamped', 'cmd_force', 'command');
    t.advertise('nav_msgs/msg/Path', '~/plan', 'default');
    t.advertise('std_msgs/msg/String', 'map_name', 'latched');
    t.observe('nav_msgs/msg/Odometry', 'odom', 'sensor');
    const [cmd, plan, map] = node.publishers;
    expect(cmd!.type).toBe('geometry_msgs/msg/WrenchStamped');
    expect(cmd!.topic).toBe('cmd_force');
    expect(cmd!.options!.qos).toMatchObject({ history: 1, depth: 1, reliability: 1, durability: 2 });
    expect(plan!.type).toBe('nav_msgs/msg/Path');
    expect(plan!.topic).toBe('~/plan');
    expect(plan!.options!.qos).toBe('qos_profile_default');
    expect(map!.options!.qos).toMatchObject({ history: 1, depth: 1, reliability: 1, durability: 1 });
    const sub = node.subscriptions[0]!;
    expect(sub.type).toBe('nav_msgs/msg/Odometry');
    expect(sub.options).toEqual({ qos: 'qos_profile_sensor_data', enableTypedArray: true });
  });

  it('publishes normalised messages and stamps received ones with the node clock', async () => {
    const { rcl, t, node } = await make();
    open.push(t);
    const pub = t.advertise('geometry_msgs/msg/Twist', 'cmd_vel', 'command');
    pub({ linear: { x: 0.5 } });
    expect(node.publishers[0]!.published[0]).toEqual({
      linear: { x: 0.5, y: 0, z: 0 },
      angular: { x: 0, y: 0, z: 0 },
    });
    expect(() => pub({ linear: { x: 'fast' as unknown as number } })).toThrow(TransportError);
    const got: bigint[] = [];
    t.observe('std_msgs/msg/Empty', 'ping', 'default').subscribe((r) => got.push(r.recvNs));
    rcl.core.advance(123n);
    node.subscriptions[0]!.callback({});
    expect(got).toEqual([123n]);
  });

  it('creates timers with bigint periods: ros on the node clock, steady on a STEADY_TIME clock', async () => {
    const { t, node } = await make();
    open.push(t);
    let ticks = 0;
    const h = t.every(50_000_000n, () => ticks++);
    t.every(20_000_000n, () => {}, 'steady');
    expect(node.timers[0]!.period).toBe(50_000_000n);
    expect(typeof node.timers[0]!.period).toBe('bigint');
    expect(node.timers[0]!.clock).toBeUndefined();
    expect((node.timers[1]!.clock as { clockType?: number }).clockType).toBe(3);
    node.timers[0]!.callback();
    expect(ticks).toBe(1);
    h.cancel();
    expect(node.timers[0]!.cancelled).toBe(true);
    expect(() => t.every(50 as unknown as bigint, () => {})).toThrow(/bigint/);
  });

  it('declares with explicit descriptors and returns integers as numbers', async () => {
    const { t, node } = await make(['--ros-args', '-p', 'planner.horizon:=16']);
    open.push(t);
    const h = t.declare('planner.horizon', { type: 'int', default: 8, range: [1, 64], description: 'H' });
    expect(h).toBe(16);
    expect(typeof h).toBe('number');
    expect(node.params.get('planner.horizon')!.value).toBe(16n);
    const d = node.descriptors.get('planner.horizon') as unknown as Record<string, unknown>;
    expect(d['type']).toBe(2);
    expect(d['description']).toBe('H');
    expect(d['range']).toMatchObject({ bigFrom: 1n, bigTo: 64n });
    expect(t.declare('ids', { type: 'int[]', default: [1, 2] })).toEqual([1, 2]);
    expect(node.params.get('ids')!.value).toEqual([1n, 2n]);
    t.declare('rate', { type: 'double', default: 20.0, range: [1, 100], readOnly: true });
    const rd = node.descriptors.get('rate') as unknown as Record<string, unknown>;
    expect(rd['type']).toBe(3);
    expect(rd['readOnly']).toBe(true);
    expect(rd['range']).toMatchObject({ fromValue: 1, toValue: 100, step: 0 });
    t.declare('mode', { type: 'string', default: 'safe', choices: ['safe', 'fast'] });
    expect(node.descriptors.get('mode')!.additionalConstraints).toBe('one of: safe, fast');
    expect(t.param('use_sim_time')).toBe(false);
  });

  it('refuses an integer override for a double, naming the fix, before rclnodejs sees it', async () => {
    const { t, node } = await make(['--ros-args', '-p', 'control_frequency:=20', '-p', 'steps:=2.0']);
    open.push(t);
    const declare = () => t.declare('control_frequency', { type: 'double', default: 10.0 });
    expect(declare).toThrow(ConfigError);
    expect(declare).toThrow(/write 20\.0/);
    expect(node.params.has('control_frequency')).toBe(false);
    expect(() => t.declare('steps', { type: 'int', default: 1 })).toThrow(
      /is an int; the override 2 is a double/,
    );
  });

  it('routes on-set checks and choices through the rclnodejs callback, and post-set to listeners', async () => {
    const { t, node } = await make();
    open.push(t);
    const changed: unknown[] = [];
    t.onParamChanged((c) => changed.push(c));
    t.onParamSet((c) => (c['gain'] === 7 ? 'seven is unlucky' : null));
    t.declare('gain', { type: 'double', default: 1 });
    t.declare('mode', { type: 'string', default: 'safe', choices: ['safe', 'fast'] });
    expect(changed).toEqual([]);
    expect(t.setParams({ gain: 7 })).toBe('seven is unlucky');
    expect(node.onSet[0]!([new rclParam('mode', 4, 'turbo')])).toEqual({
      successful: false,
      reason: `'mode' (string) "turbo" is not one of "safe", "fast"`,
    });
    expect(t.setParams({ gain: 2 })).toBeNull();
    expect(t.param('gain')).toBe(2);
    expect(changed).toEqual([{ gain: 2 }]);
  });

  it('lifecycle: registers hooks, activates publishers before activate and deactivates after deactivate', async () => {
    const { rcl, t, node } = await make([], 'planner', true);
    open.push(t);
    let zero: (() => void) | undefined;
    t.lifecycle({
      configure: () => true,
      activate: () => true,
      deactivate: () => {
        zero!();
        return true;
      },
    });
    const cmd = t.advertise('geometry_msgs/msg/Twist', 'cmd_vel', 'command');
    zero = () => cmd({});
    expect(node.publishers[0]!.lifecycle).toBe(true);
    expect(t.lifecycleState()).toBe('unconfigured');
    expect(t.transition('activate')).toBe(false);
    expect(t.transition('configure')).toBe(true);
    expect(t.transition('activate')).toBe(true);
    expect(node.publishers[0]!.active).toBe(true);
    expect(t.transition('deactivate')).toBe(true);
    expect(node.publishers[0]!.active).toBe(false);
    expect(node.publishers[0]!.published).toHaveLength(1);
    expect(rcl.calls.filter((c) => /^(configure|activate|deactivate)/.test(c))).toEqual([
      'configure 97',
      'activate 97',
      'deactivate 97',
    ]);
  });

  it('an unmanaged transport is a plain rclnodejs Node: no lifecycle services, no lifecycle()', async () => {
    const plain = await make();
    open.push(plain.t);
    expect(plain.node).not.toBeInstanceOf(FakeLifecycleNode);
    expect(plain.node.services).toEqual([]);
    expect(plain.t.lifecycleState()).toBe('active');
    expect(() => plain.t.lifecycle({})).toThrow(/plain \(unmanaged\) ROS node.*managed: true/);
    const managed = await make([], 'planner', true);
    open.push(managed.t);
    expect(managed.node).toBeInstanceOf(FakeLifecycleNode);
    expect(managed.node.services).toContain('get_state');
    expect(managed.t.lifecycleState()).toBe('unconfigured');
  });

  it('ranges reach `ros2 param describe`; external sets out of range or of the wrong type get a readable reason', async () => {
    const { t, node } = await make();
    open.push(t);
    t.declare('rate', { type: 'double', default: 20.0, range: [1, 100] });
    t.declare('samples', { type: 'int', default: 8, range: [1, 256] });
    expect(node.describeParameter('rate')).toMatchObject({
      floating_point_range: [{ from_value: 1, to_value: 100, step: 0 }],
    });
    expect(node.describeParameter('samples')).toMatchObject({
      integer_range: [{ from_value: 1n, to_value: 256n, step: 1n }],
    });
    // As `ros2 param set /planner rate 500.0` and `… rate 50` reach rclnodejs (parameter_service.js).
    const outOfRange = node.setParametersAtomically([new rcl.Parameter('rate', 3, 500)]);
    expect(outOfRange).toEqual({ successful: false, reason: `'rate' (double) 500 is outside [1, 100]` });
    const integer = node.setParametersAtomically([new rcl.Parameter('rate', 2, 50n)]);
    expect(integer.successful).toBe(false);
    expect(integer.reason).toMatch(/'rate' is a double; 50 is an integer.*write 50\.0/);
    expect(node.setParametersAtomically([new rcl.Parameter('samples', 2, 300n)]).reason).toMatch(
      /outside \[1, 256\]/,
    );
    expect(node.setParametersAtomically([new rcl.Parameter('rate', 3, 50.5)])).toEqual({
      successful: true,
      reason: '',
    });
    expect(t.param('rate')).toBe(50.5);
  });

  it('close: shutdown hooks publish the zero command before the node is destroyed and the context shut down', async () => {
    const { rcl, t, node } = await make();
    const cmd = t.advertise('geometry_msgs/msg/WrenchStamped', 'cmd_force', 'command');
    t.onShutdown(() => cmd({ wrench: { force: { x: 0, y: 0 } } }));
    t.start();
    expect(node.spinning).toBe(true);
    await t.close();
    await t.close();
    const tail = rcl.calls.slice(-3);
    expect(tail).toEqual(['publish cmd_force', 'destroy planner', 'shutdown']);
    expect(rcl.contexts[0]!.shut).toBe(true);
    expect(t.lifecycleState()).toBe('finalized');
  });

  it('installs SIGINT and SIGTERM handlers only when asked, and removes them on close', async () => {
    const rcl = new FakeRcl();
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const t = await createRosTransport('sig', [], { env: ROS_ENV, load: async () => rcl, flushMs: 0 });
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    await t.close();
    expect(process.listenerCount('SIGINT')).toBe(before.int);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
  });
});

describe('what rclnodejs 2.2 needs from the machine', () => {
  it('reads only VERSION_CODENAME, as rclnodejs picks its prebuilt addon by it', () => {
    const mint = 'NAME="Linux Mint"\nVERSION_CODENAME=wilma\nUBUNTU_CODENAME=noble\n';
    expect(osCodename(mint)).toBe('wilma');
    expect(osCodename('UBUNTU_CODENAME=noble\n')).toBeUndefined();
    expect(osCodename('VERSION_CODENAME=noble\n')).toBe('noble');
  });

  it('refuses a Node.js older than 20.20.2 with the fix, before loading rclnodejs', async () => {
    expect(() => assertNodeVersion('20.19.5')).toThrow(/Node\.js >= 20\.20\.2, this is 20\.19\.5/);
    expect(() => assertNodeVersion('20.20.2')).not.toThrow();
    expect(() => assertNodeVersion('22.1.0')).not.toThrow();
    let loads = 0;
    await expect(
      createRosTransport('planner', [], {
        env: ROS_ENV,
        load: async () => {
          loads++;
          return new FakeRcl();
        },
        nodeVersion: '20.19.0',
      }),
    ).rejects.toThrow(TransportError);
    expect(loads).toBe(0);
  });
});

describe("transport 'ros' without ROS 2", () => {
  it('fails at once with the fix and never loads rclnodejs', async () => {
    let loads = 0;
    const load = async () => {
      loads++;
      return new FakeRcl();
    };
    for (const env of [{}, { ROS_DISTRO: 'jazzy' }, { AMENT_PREFIX_PATH: '/opt/ros/jazzy' }]) {
      await expect(createRosTransport('planner', [], { env, load })).rejects.toThrow(TransportError);
      await expect(createRosTransport('planner', [], { env, load })).rejects.toThrow(NEEDS_ROS_MESSAGE);
    }
    expect(loads).toBe(0);
    expect(NEEDS_ROS_MESSAGE).toBe(
      "transport 'ros' needs ROS 2: source /opt/ros/<distro>/setup.bash, then npm install rclnodejs@2.2.0 (it builds against the sourced ROS); or use --transport bus",
    );
  });

  it.skipIf(Boolean(process.env['ROS_DISTRO']))(
    'createTransport("ros") fails the same way in this process',
    async () => {
      const sigint = process.listenerCount('SIGINT');
      await expect(createTransport('ros', 'planner', [])).rejects.toThrow(NEEDS_ROS_MESSAGE);
      expect(process.listenerCount('SIGINT')).toBe(sigint);
    },
  );
});

const rcl = new FakeRcl();

class rclParam {
  constructor(
    readonly name: string,
    readonly type: number,
    readonly value: unknown,
  ) {}
}
