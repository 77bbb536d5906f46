/**
 * The transport contract (docs/ros2.md §5.3 T4), run over every implementation: the in-process bus
 * (bus.test.ts), the rclnodejs adapter on FakeRcl (rcl-adapter.test.ts: rclnodejs's rules from its sources, no
 * ROS) and rclnodejs on a machine with ROS 2 sourced (ros.test.ts). A harness hides how each one moves time and
 * waits for messages; everything asserted here must hold for all.
 *
 * `exact` harnesses (the bus) are deterministic, so counts under keep-last are exact; on DDS they are bounds.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { normalizeMessage, type Received, type Transport, type TypeName } from '../../src/transport/index.js';
import { MESSAGE_SCHEMA, messageFields } from '../../src/transport/message-schema.js';

export interface ContractHarness {
  /** Deterministic delivery and time (exact counts). */
  readonly exact: boolean;
  /**
   * A node; argv may carry `--ros-args`. Nodes run on the harness's controllable ROS clock. `managed`: a
   * lifecycle node (rclnodejs decides that at construction).
   */
  node(
    name: string,
    ns?: string,
    argv?: readonly string[],
    options?: { readonly managed?: boolean },
  ): Promise<Transport>;
  /** Move the nodes' ROS clock forward by `ns`, firing timers period by period, and settle deliveries. */
  advance(ns: bigint): Promise<void>;
  /** Wait until pending deliveries are done (`until` lets a real transport stop waiting early). */
  settle(until?: () => boolean): Promise<void>;
  close(): Promise<void>;
}

export type ContractFactory = () => Promise<ContractHarness>;

/** A sample message with a non-default value in every field (arrays of 2, message arrays of 1). */
export function sampleMessage(type: TypeName, seed = 1): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let k = seed;
  for (const f of messageFields(type)) {
    k++;
    switch (f.kind) {
      case 'number':
        // Values exact in float32 and valid for every integer kind.
        out[f.name] = f.prim === 'float64' ? k + 0.125 : f.prim === 'float32' ? k + 0.5 : (k % 100) + 1;
        break;
      case 'bool':
        out[f.name] = true;
        break;
      case 'string':
        out[f.name] = `${f.name}-${k}`;
        break;
      case 'numbers': {
        const n = f.size ?? 2;
        out[f.name] = Array.from({ length: n }, (_, i) =>
          f.prim.startsWith('float') ? i + 0.5 : (i % 100) + 1,
        );
        break;
      }
      case 'strings':
        out[f.name] = [`${f.name}-a`, `${f.name}-b`];
        break;
      case 'msg':
        out[f.name] = sampleMessage(f.type, k);
        break;
      case 'msgs':
        out[f.name] = [sampleMessage(f.type, k)];
        break;
    }
  }
  return out;
}

function collect<T>(
  node: Transport,
  type: TypeName,
  topic: string,
  qos: Parameters<Transport['observe']>[2],
) {
  const got: Received<T>[] = [];
  node.observe(type, topic, qos).subscribe((r) => got.push(r as Received<T>));
  return got;
}

function writeYaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'df-contract-'));
  const file = join(dir, 'params.yaml');
  writeFileSync(file, text);
  return file;
}

export function runTransportContract(name: string, factory: ContractFactory): void {
  describe(`transport contract: ${name}`, () => {
    let h: ContractHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.close();
    });

    it('round-trips every message type with rclnodejs shapes (typed arrays, float32 rounding)', async () => {
      const types = Object.keys(MESSAGE_SCHEMA) as TypeName[];
      const pubNode = await h.node('rt_pub');
      const subNode = await h.node('rt_sub');
      const got = new Map<TypeName, unknown[]>();
      types.forEach((type, i) => {
        const list: unknown[] = [];
        got.set(type, list);
        subNode.observe(type, `/rt/t${i}`, 'default').subscribe((r) => list.push(r.msg));
      });
      const pubs = types.map((type, i) => pubNode.advertise(type, `/rt/t${i}`, 'default'));
      pubNode.start();
      subNode.start();
      types.forEach((type, i) => {
        pubs[i]!(sampleMessage(type) as never);
      });
      await h.settle(() => [...got.values()].every((l) => l.length > 0));
      for (const type of types) {
        const list = got.get(type)!;
        expect(list, type).toHaveLength(1);
        // Newer distros add fields (e.g. Marker textures in Jazzy): on ROS the sample must be a subset.
        if (h.exact) expect(list[0], type).toEqual(normalizeMessage(type, sampleMessage(type)));
        else expect(list[0], type).toMatchObject(normalizeMessage(type, sampleMessage(type)));
      }
      const odom = got.get('nav_msgs/msg/Odometry')![0] as { pose: { covariance: unknown } };
      expect(odom.pose.covariance).toBeInstanceOf(Float64Array);
      expect((odom.pose.covariance as Float64Array).length).toBe(36);
      const plan = got.get('std_msgs/msg/Float32MultiArray')![0] as { data: unknown };
      expect(plan.data).toBeInstanceOf(Float32Array);
      const js = got.get('sensor_msgs/msg/JointState')![0] as { position: unknown; name: unknown };
      expect(js.position).toBeInstanceOf(Float64Array);
      expect(Array.isArray(js.name)).toBe(true);
      const grid = got.get('nav_msgs/msg/OccupancyGrid')![0] as { data: unknown };
      expect(grid.data).toBeInstanceOf(Int8Array);
    });

    it('fills defaults and drops unknown fields; float32 values arrive rounded', async () => {
      const a = await h.node('def_pub');
      const b = await h.node('def_sub');
      const poses = collect<{ pose: { orientation: { w: number }; position: { x: number; y: number } } }>(
        b,
        'geometry_msgs/msg/PoseStamped',
        '/def/pose',
        'default',
      );
      const floats = collect<{ data: number }>(b, 'std_msgs/msg/Float32', '/def/f', 'default');
      const pose = a.advertise('geometry_msgs/msg/PoseStamped', '/def/pose', 'default');
      const f32 = a.advertise('std_msgs/msg/Float32', '/def/f', 'default');
      a.start();
      b.start();
      pose({ pose: { position: { x: 1 } }, extra: 5 } as never);
      f32({ data: 0.1 });
      await h.settle(() => poses.length > 0 && floats.length > 0);
      const msg = poses[0]!.msg as unknown as Record<string, unknown>;
      expect(msg).not.toHaveProperty('extra');
      expect(poses[0]!.msg.pose.orientation.w).toBe(1);
      expect(poses[0]!.msg.pose.position).toEqual({ x: 1, y: 0, z: 0 });
      expect(msg['header']).toEqual({ stamp: { sec: 0, nanosec: 0 }, frame_id: '' });
      expect(floats[0]!.msg.data).toBe(Math.fround(0.1));
      expect(floats[0]!.msg.data).not.toBe(0.1);
    });

    it('resolves relative, ~/ and absolute names and applies -r remaps, __node and __ns', async () => {
      const argv = ['--ros-args', '-r', 'cmd_vel:=/robot/cmd_vel', '-r', '__node:=mpc', '-r', '__ns:=/fleet'];
      const planner = await h.node('planner', '/robot1', argv);
      expect(planner.fqn).toBe('/fleet/mpc');
      expect(planner.name).toBe('mpc');
      expect(planner.namespace).toBe('/fleet');
      expect(planner.resolve('~/plan')).toBe('/fleet/mpc/plan');
      expect(planner.resolve('odom')).toBe('/fleet/odom');
      expect(planner.resolve('/diagnostics')).toBe('/diagnostics');
      expect(planner.resolve('cmd_vel')).toBe('/robot/cmd_vel');

      const listener = await h.node('listener');
      const plans = collect(listener, 'nav_msgs/msg/Path', '/fleet/mpc/plan', 'default');
      const cmds = collect(listener, 'geometry_msgs/msg/Twist', '/robot/cmd_vel', 'default');
      const plan = planner.advertise('nav_msgs/msg/Path', '~/plan', 'default');
      const cmd = planner.advertise('geometry_msgs/msg/Twist', 'cmd_vel', 'default');
      planner.start();
      listener.start();
      plan({ header: { frame_id: 'odom' } });
      cmd({ linear: { x: 0.5 } });
      await h.settle(() => plans.length > 0 && cmds.length > 0);
      expect(plans).toHaveLength(1);
      expect(cmds).toHaveLength(1);
    });

    it('delivers asynchronously and in publish order', async () => {
      const a = await h.node('order_pub');
      const b = await h.node('order_sub');
      const got = collect<{ data: number }>(b, 'std_msgs/msg/Float64', '/order', 'default');
      const pub = a.advertise('std_msgs/msg/Float64', '/order', 'default');
      a.start();
      b.start();
      pub({ data: 1 });
      pub({ data: 2 });
      pub({ data: 3 });
      expect(got).toHaveLength(0);
      await h.settle(() => got.length >= 3);
      expect(got.map((r) => r.msg.data)).toEqual([1, 2, 3]);
    });

    it('keeps only the newest messages while the consumer is blocked (sensor 5, default 10)', async () => {
      const a = await h.node('kl_pub');
      const b = await h.node('kl_sub');
      const sensor = collect<{ data: number }>(b, 'std_msgs/msg/Float64', '/kl/sensor', 'sensor');
      const reliable = collect<{ data: number }>(b, 'std_msgs/msg/Float64', '/kl/default', 'default');
      const ps = a.advertise('std_msgs/msg/Float64', '/kl/sensor', 'sensor');
      const pd = a.advertise('std_msgs/msg/Float64', '/kl/default', 'default');
      a.start();
      b.start();
      // A synchronous loop blocks every consumer on this thread, like a long sampler step.
      for (let i = 1; i <= 20; i++) {
        ps({ data: i });
        pd({ data: i });
      }
      await h.settle(() => sensor.at(-1)?.msg.data === 20 && reliable.at(-1)?.msg.data === 20);
      for (const [got, depth] of [
        [sensor, 5],
        [reliable, 10],
      ] as const) {
        const seq = got.map((r) => r.msg.data);
        if (h.exact) expect(seq).toEqual(Array.from({ length: depth }, (_, i) => 21 - depth + i));
        else {
          expect(seq.length).toBeLessThanOrEqual(depth);
          expect(seq.at(-1)).toBe(20);
          expect(seq).toEqual([...seq].sort((x, y) => x - y));
        }
      }
    });

    it('QoS: a reliable subscription gets nothing from a best-effort publisher; best effort gets reliable', async () => {
      const a = await h.node('qos_pub');
      const b = await h.node('qos_sub');
      const reliableSub = collect(b, 'std_msgs/msg/Float64', '/qos/be', 'default');
      const sensorSub = collect(b, 'std_msgs/msg/Float64', '/qos/rel', 'sensor');
      const bePub = a.advertise('std_msgs/msg/Float64', '/qos/be', 'sensor');
      const relPub = a.advertise('std_msgs/msg/Float64', '/qos/rel', 'default');
      a.start();
      b.start();
      bePub({ data: 1 });
      relPub({ data: 2 });
      await h.settle(() => sensorSub.length > 0);
      expect(sensorSub).toHaveLength(1);
      expect(reliableSub).toHaveLength(0);
    });

    it('latched: a late transient-local subscriber gets the last message; a late volatile one does not', async () => {
      const a = await h.node('latch_pub');
      const map = a.advertise('std_msgs/msg/String', '/latch/map', 'latched');
      a.start();
      map({ data: 'old' });
      map({ data: 'layout-v2' });
      await h.settle();
      const b = await h.node('latch_sub');
      const late = collect<{ data: string }>(b, 'std_msgs/msg/String', '/latch/map', 'latched');
      const volatile = collect<{ data: string }>(b, 'std_msgs/msg/String', '/latch/map', 'default');
      b.start();
      await h.settle(() => late.length > 0);
      expect(late.map((r) => r.msg.data)).toEqual(['layout-v2']);
      expect(volatile).toHaveLength(0);
    });

    it('params: /** values first, then the section named after the node, whatever the argument order; other keys ignored', async () => {
      const file = writeYaml(
        [
          'pp:',
          '  ros__parameters:',
          '    control_frequency: 20.0',
          '    planner:',
          '      horizon: 16',
          '      limits: [0.5, 1.5]',
          '    joint_names: [a, b]',
          '    seed: 3',
          '/**:',
          '  ros__parameters:',
          '    control_frequency: 10.0',
          '    frame_id: map',
          '    gain: 0.5',
          '/pp:',
          '  ros__parameters:',
          '    gain: 9.0',
          '/**/pp:',
          '  ros__parameters:',
          '    gain: 8.0',
          'ns:',
          '  pp:',
          '    ros__parameters:',
          '      gain: 7.0',
        ].join('\n'),
      );
      const later = writeYaml(['/**:', '  ros__parameters:', '    seed: 5', '    gain: 1.5'].join('\n'));
      const argv = [
        '--ros-args',
        '--params-file',
        file,
        '-p',
        'control_frequency:=30.0',
        '--params-file',
        later,
        '-p',
        'pp:frame_id:=odom2',
        '-p',
        'pp:planner.horizon:=24',
        '-p',
        'other:seed:=11',
      ];
      const node = await h.node('pp', '', argv);
      // The node's section beats a later plain -p and a later file's /** section.
      expect(node.declare('control_frequency', { type: 'double', default: 5.0 })).toBe(20);
      expect(node.declare('seed', { type: 'int', default: 0 })).toBe(3);
      // Within one key, argv order: pp:planner.horizon after the file's pp section wins.
      const horizon = node.declare('planner.horizon', { type: 'int', default: 8 });
      expect(horizon).toBe(24);
      expect(typeof horizon).toBe('number');
      // -p pp:name is keyed by the node name, so it beats the file's /** value.
      expect(node.declare('frame_id', { type: 'string', default: 'odom' })).toBe('odom2');
      // /pp, /**/pp and ns: pp: are ignored; the later /** file wins over the earlier /** section.
      expect(node.declare('gain', { type: 'double', default: 0.0 })).toBe(1.5);
      expect(node.declare('planner.limits', { type: 'double[]', default: [1, 1] })).toEqual([0.5, 1.5]);
      expect(node.declare('joint_names', { type: 'string[]', default: [] })).toEqual(['a', 'b']);
      expect(node.declare('untouched', { type: 'double', default: 0.25 })).toBe(0.25);
      expect(node.param('planner.horizon')).toBe(24);
      // A node of another name gets only /** values.
      const other = await h.node('other', '', argv);
      expect(other.declare('seed', { type: 'int', default: 0 })).toBe(11);
      expect(other.declare('control_frequency', { type: 'double', default: 5.0 })).toBe(30);
    });

    it('params: an integer-array override stops node creation with our error and the fix', async () => {
      await expect(h.node('ia', '', ['--ros-args', '-p', 'start:=[1, 2]'])).rejects.toThrow(ConfigError);
      await expect(h.node('ia', '', ['--ros-args', '-p', 'start:=[1, 2]'])).rejects.toThrow(
        /start.*integer array.*\[1\.0, 2\.0\]/,
      );
      const ok = await h.node('ia', '', ['--ros-args', '-p', 'start:=[1.0, 2.0]']);
      expect(ok.declare('start', { type: 'double[]', default: [] })).toEqual([1, 2]);
    });

    it('params: an integer override for a double and a double for an int are refused with the fix', async () => {
      const node = await h.node('pt', '', [
        '--ros-args',
        '-p',
        'rate:=20',
        '-p',
        'steps:=2.5',
        '-p',
        'ok:=20.0',
      ]);
      expect(() => node.declare('rate', { type: 'double', default: 10.0 })).toThrow(ConfigError);
      expect(() => node.declare('rate', { type: 'double', default: 10.0 })).toThrow(/20\.0/);
      expect(() => node.declare('steps', { type: 'int', default: 1 })).toThrow(/double/);
      expect(node.declare('ok', { type: 'double', default: 1.0 })).toBe(20);
    });

    it('params: ranges, read-only, on-set veto and post-set listeners', async () => {
      const node = await h.node('pv', '', ['--ros-args', '-p', 'samples:=300']);
      expect(() => node.declare('samples', { type: 'int', default: 8, range: [1, 256] })).toThrow(
        /outside \[1, 256\]/,
      );
      node.onParamSet((changes) => {
        const v = changes['gain'];
        return typeof v === 'number' && v > 10 ? `gain ${v} is above 10` : null;
      });
      const seen: Record<string, unknown>[] = [];
      node.onParamChanged((c) => seen.push({ ...c }));
      expect(node.declare('gain', { type: 'double', default: 1.0, range: [0, 100] })).toBe(1);
      expect(node.declare('model_path', { type: 'string', default: 'm', readOnly: true })).toBe('m');
      expect(node.setParams({ gain: 50 })).toMatch(/above 10/);
      expect(node.param('gain')).toBe(1);
      expect(node.setParams({ gain: 200 })).toMatch(/outside/);
      expect(node.setParams({ model_path: 'x' })).toMatch(/read-only/);
      expect(node.setParams({ nope: 1 })).toMatch(/not declared/);
      expect(seen).toEqual([]);
      expect(node.setParams({ gain: 2.5 })).toBeNull();
      expect(node.param('gain')).toBe(2.5);
      expect(seen).toEqual([{ gain: 2.5 }]);
    });

    it('params: an on-set check vetoes a declare override', async () => {
      const node = await h.node('pw', '', ['--ros-args', '-p', 'mode:=fast']);
      node.onParamSet((c) => (c['mode'] === 'fast' ? 'fast mode is disabled on this robot' : null));
      expect(() => node.declare('mode', { type: 'string', default: 'safe' })).toThrow(/disabled/);
    });

    it('/clock is subscribed reliable: a best-effort clock source does not drive a sim-time node', async () => {
      const node = await h.node('sim_time', '', ['--ros-args', '-p', 'use_sim_time:=true']);
      const source = await h.node('be_clock');
      const clock = source.advertise('rosgraph_msgs/msg/Clock', '/clock', 'sensor');
      node.start();
      source.start();
      const before = node.nowNs();
      clock({ clock: { sec: 1000, nanosec: 0 } });
      await h.settle();
      expect(node.param('use_sim_time')).toBe(true);
      expect(node.nowNs() - before).toBeLessThan(1_000_000_000_000n);
    });

    it('one message per subscription per round, in subscription creation order (rclnodejs executor)', async () => {
      const a = await h.node('exec_pub');
      const b = await h.node('exec_sub');
      const order: string[] = [];
      b.observe('std_msgs/msg/Float64', '/exec/first', 'default').subscribe(() => order.push('first'));
      b.observe('std_msgs/msg/Float64', '/exec/second', 'default').subscribe(() => order.push('second'));
      const second = a.advertise('std_msgs/msg/Float64', '/exec/second', 'default');
      const first = a.advertise('std_msgs/msg/Float64', '/exec/first', 'default');
      a.start();
      b.start();
      second({ data: 1 });
      first({ data: 1 });
      await h.settle(() => order.length >= 2);
      expect([...order].sort()).toEqual(['first', 'second']);
      // Both were ready at once: rclnodejs takes them in creation order, not publish order.
      if (h.exact) expect(order).toEqual(['first', 'second']);
    });

    it('timers follow the ROS clock period by period and stop when cancelled', async () => {
      const node = await h.node('timer');
      const ticks: bigint[] = [];
      const t0 = node.nowNs();
      const timer = node.every(50_000_000n, () => ticks.push(node.nowNs() - t0));
      node.start();
      await h.advance(100_000_000n);
      expect(ticks).toHaveLength(2);
      await h.advance(175_000_000n);
      expect(ticks).toHaveLength(5);
      if (h.exact) expect(ticks).toEqual([50, 100, 150, 200, 250].map((ms) => BigInt(ms) * 1_000_000n));
      timer.cancel();
      await h.advance(200_000_000n);
      expect(ticks).toHaveLength(5);
      expect(node.nowNs() - t0).toBeGreaterThanOrEqual(475_000_000n);
    });

    it('lifecycle: publishes are dropped unless active; deactivate can still send its zero command', async () => {
      const node = await h.node('managed', '', [], { managed: true });
      const listener = await h.node('lc_listener');
      const got = collect<{ linear: { x: number } }>(
        listener,
        'geometry_msgs/msg/Twist',
        '/lc/cmd',
        'default',
      );
      let failActivate = true;
      // Advertised before lifecycle(), as the planner node does: still a lifecycle publisher.
      const cmd = node.advertise('geometry_msgs/msg/Twist', '/lc/cmd', 'default');
      node.lifecycle({
        configure: () => true,
        activate: () => !failActivate,
        deactivate: () => {
          cmd({ linear: { x: 0 } });
          return true;
        },
      });
      node.start();
      listener.start();
      expect(node.lifecycleState()).toBe('unconfigured');
      cmd({ linear: { x: 1 } });
      expect(node.transition('activate')).toBe(false);
      expect(node.transition('configure')).toBe(true);
      expect(node.lifecycleState()).toBe('inactive');
      cmd({ linear: { x: 2 } });
      expect(node.transition('activate')).toBe(false);
      expect(node.lifecycleState()).toBe('inactive');
      failActivate = false;
      expect(node.transition('activate')).toBe(true);
      expect(node.lifecycleState()).toBe('active');
      cmd({ linear: { x: 3 } });
      expect(node.transition('deactivate')).toBe(true);
      cmd({ linear: { x: 4 } });
      await h.settle(() => got.length >= 2);
      expect(got.map((r) => r.msg.linear.x)).toEqual([3, 0]);
    });

    it('close runs the shutdown hooks first: the zero command is delivered', async () => {
      const node = await h.node('closer');
      const listener = await h.node('close_listener');
      const got = collect<{ wrench: { force: { x: number } } }>(
        listener,
        'geometry_msgs/msg/WrenchStamped',
        '/close/cmd',
        'command',
      );
      const cmd = node.advertise('geometry_msgs/msg/WrenchStamped', '/close/cmd', 'command');
      node.onShutdown(() => cmd({ wrench: { force: { x: 0 } } }));
      node.start();
      listener.start();
      cmd({ wrench: { force: { x: 1 } } });
      await h.settle(() => got.length > 0);
      await node.close();
      await h.settle(() => got.length > 1);
      expect(got.map((r) => r.msg.wrench.force.x)).toEqual([1, 0]);
      expect(node.lifecycleState()).toBe('finalized');
      expect(() => cmd({})).toThrow();
    });
  });
}
