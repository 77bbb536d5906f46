/**
 * Bags: a recorder tapped into the bus writes every published message, whatever its QoS and whether anyone
 * subscribes, as a ROS 2 MCAP bag (profile ros2, ros2msg schemas, cdr channels with the publishers' QoS, the
 * rosbag2 metadata record), and every message decodes back, with the bag's own schema text, to exactly what the
 * bus delivered.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { silentLogger } from '../../src/logging.js';
import { BagRecorder, checkBagPath, tapTransport } from '../../src/record/index.js';
import { schemaText } from '../../src/ros2msg/index.js';
import {
  createBus,
  type MsgInput,
  type MsgMap,
  normalizeMessage,
  type QosName,
  type TypeName,
} from '../../src/transport/index.js';
import { readBag } from '../helpers/read-bag.js';

const dir = mkdtempSync(join(tmpdir(), 'df-bag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sample<T extends TypeName = TypeName> {
  topic: string;
  type: T;
  qos: QosName;
  msg: MsgInput<MsgMap[T]>;
}

const stamp = { sec: 12, nanosec: 345_678_901 };
const SAMPLES: Sample[] = [
  {
    topic: '/odom',
    type: 'nav_msgs/msg/Odometry',
    qos: 'sensor',
    msg: {
      header: { stamp, frame_id: 'odom' },
      child_frame_id: 'base_link',
      pose: {
        pose: { position: { x: 1.5, y: -2.25 } },
        covariance: Array.from({ length: 36 }, (_, i) => i / 7),
      },
      twist: { twist: { linear: { x: 0.1, y: 0.2 } } },
    },
  },
  {
    topic: '/planner/plan',
    type: 'nav_msgs/msg/Path',
    qos: 'default',
    msg: {
      header: { stamp, frame_id: 'odom' },
      poses: [0, 1, 2].map((i) => ({ pose: { position: { x: i, y: 2 * i } } })),
    },
  },
  {
    topic: '/diagnostics',
    type: 'diagnostic_msgs/msg/DiagnosticArray',
    qos: 'default',
    msg: {
      header: { stamp },
      status: [
        {
          level: 1,
          name: 'planner: tick → command',
          message: 'late plan (ü, 3 ms)',
          values: [{ key: 'tick latency median ms', value: '0.1' }],
        },
      ],
    },
  },
  {
    topic: '/goal_pose',
    type: 'geometry_msgs/msg/PoseStamped',
    qos: 'latched',
    msg: { header: { frame_id: 'odom' }, pose: { position: { x: 3 } } },
  },
  { topic: '/episode_start', type: 'std_msgs/msg/Empty', qos: 'default', msg: {} },
  { topic: '/clock', type: 'rosgraph_msgs/msg/Clock', qos: 'default', msg: { clock: stamp } },
  {
    topic: '/cmd_force',
    type: 'geometry_msgs/msg/WrenchStamped',
    qos: 'command',
    msg: { header: { stamp }, wrench: { force: { x: -0.5, y: 1 } } },
  },
  {
    topic: '/markers',
    type: 'visualization_msgs/msg/MarkerArray',
    qos: 'default',
    msg: { markers: [{ ns: 'plan', type: 4, points: [{ x: 1 }, { y: 2 }], colors: [{ r: 0.5, a: 1 }] }] },
  },
  {
    topic: '/grid',
    type: 'nav_msgs/msg/OccupancyGrid',
    qos: 'latched',
    msg: { info: { resolution: 0.1, width: 2, height: 2 }, data: [0, 100, -1, 50] },
  },
  {
    topic: '/arr',
    type: 'std_msgs/msg/Float32MultiArray',
    qos: 'sensor',
    msg: { layout: { dim: [{ label: 'h', size: 3, stride: 3 }] }, data: [0.1, 0.2, 0.3] },
  },
  { topic: '/reward', type: 'std_msgs/msg/Float32', qos: 'sensor', msg: { data: 0.3 } },
];

describe('BagRecorder on a bus tap', () => {
  it('writes every topic as a ROS 2 MCAP bag that decodes back to what the bus delivered', async () => {
    const file = join(dir, 'all.mcap');
    const recorder = await BagRecorder.create(file);
    const bus = createBus({ startNs: 1_000_000_000_000_000_000n, logger: silentLogger });
    bus.tap(recorder.tap);
    const node = bus.node('talker');
    node.start();
    const publishers = SAMPLES.map((s) => node.advertise(s.type, s.topic, s.qos) as (m: unknown) => void);
    const rounds = 3;
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of SAMPLES.entries()) publishers[i]!(s.msg);
      bus.clock.advance(10_000_000n);
    }
    await bus.idle();
    await bus.close();
    const summary = await recorder.close();
    const total = rounds * SAMPLES.length;
    expect(summary).toMatchObject({ messages: total, topics: SAMPLES.length, dropped: 0, failed: 0 });

    const bag = await readBag(file);
    expect(bag.profile).toBe('ros2');
    expect(bag.statistics?.messageCount).toBe(BigInt(total));
    // One ros2msg schema per type, the complete published definition.
    for (const s of SAMPLES) {
      const schema = bag.schemas.find((x) => x.name === s.type)!;
      expect(schema.encoding).toBe('ros2msg');
      expect(schema.text).toBe(schemaText(s.type));
    }
    expect(bag.schemas.find((x) => x.name === 'nav_msgs/msg/Odometry')!.text).toContain(
      '\n================================================================================\nMSG: std_msgs/Header\n',
    );
    // One cdr channel per topic, with the publisher's QoS as rosbag2 writes it (rmw enum integers).
    for (const s of SAMPLES) {
      const channel = bag.channels.find((c) => c.topic === s.topic)!;
      expect(channel).toMatchObject({ schemaName: s.type, messageEncoding: 'cdr' });
      expect(channel.metadata.get('topic_type_hash')).toBe('');
      const [qos] = parseYaml(channel.metadata.get('offered_qos_profiles')!) as Record<string, unknown>[];
      expect(qos).toMatchObject({
        history: 1,
        reliability: s.qos === 'sensor' ? 2 : 1,
        durability: s.qos === 'latched' ? 1 : 2,
        depth: { sensor: 5, command: 1, latched: 1, default: 10 }[s.qos],
        deadline: { sec: 0, nsec: 0 },
      });
    }
    // The rosbag2 metadata record: what `ros2 bag info` shows.
    const record = bag.metadata.find((m) => m.name === 'rosbag2')!;
    expect(record.metadata.get('ROS_DISTRO')).toBe('jazzy');
    const meta = parseYaml(record.metadata.get('serialized_metadata')!, { intAsBigInt: true });
    expect(meta).toMatchObject({
      version: 8n,
      storage_identifier: 'mcap',
      message_count: BigInt(total),
      relative_file_paths: [basename(file)],
      starting_time: { nanoseconds_since_epoch: 1_000_000_000_000_000_000n },
      duration: { nanoseconds: 20_000_000n },
      ros_distro: 'jazzy',
      compression_format: '',
    });
    expect(meta.topics_with_message_count).toHaveLength(SAMPLES.length);
    for (const t of meta.topics_with_message_count) {
      expect(t.message_count).toBe(BigInt(rounds));
      expect(t.topic_metadata.serialization_format).toBe('cdr');
    }
    // Every message decodes to exactly what a subscriber on the bus receives, in order, with its bus time.
    expect(bag.messages).toHaveLength(total);
    SAMPLES.forEach((s, i) => {
      const got = bag.messages.filter((m) => m.topic === s.topic);
      expect(got.map((m) => m.sequence)).toEqual([0, 1, 2]);
      expect(got.map((m) => m.logTime)).toEqual(
        [0n, 1n, 2n].map((k) => 1_000_000_000_000_000_000n + k * 10_000_000n),
      );
      for (const m of got) expect(m.msg, `${s.topic} (${i})`).toEqual(normalizeMessage(s.type, s.msg));
    });
  });

  it('bounds its queue: beyond maxPending messages are dropped and counted, never buffered without end', async () => {
    const recorder = await BagRecorder.create(join(dir, 'bounded.mcap'), { maxPending: 4 });
    const bus = createBus({ logger: silentLogger });
    bus.tap(recorder.tap);
    const node = bus.node('talker');
    const pub = node.advertise('std_msgs/msg/Float64', '/x', 'default');
    for (let i = 0; i < 10; i++) pub({ data: i }); // one turn of the event loop: nothing drained yet
    const summary = await recorder.close();
    expect(summary).toMatchObject({ messages: 4, dropped: 6 });
    const bag = await readBag(join(dir, 'bounded.mcap'));
    expect(bag.messages.map((m) => (m.msg as { data: number }).data)).toEqual([0, 1, 2, 3]);
    await bus.close();
  });

  it('never overwrites: an existing file or a name without .mcap is refused before anything runs', async () => {
    const existing = join(dir, 'exists.mcap');
    writeFileSync(existing, 'precious');
    expect(() => checkBagPath(existing)).toThrow(/exists and a bag is never overwritten/);
    expect(() => checkBagPath(join(dir, 'run.bag'))).toThrow(/must end in \.mcap/);
    await expect(BagRecorder.create(existing)).rejects.toThrow(/EEXIST/);
    expect(() => checkBagPath(join(dir, 'new', 'run.mcap'))).not.toThrow();
  });

  it('tapTransport records what a lone node publishes and receives, and is otherwise that node', async () => {
    const file = join(dir, 'node.mcap');
    const recorder = await BagRecorder.create(file);
    const bus = createBus({ logger: silentLogger });
    const node = tapTransport(bus.node('planner', '/robot1'), recorder.tap);
    const other = bus.node('sim');
    expect(node.fqn).toBe('/robot1/planner');
    const got: number[] = [];
    node.observe('std_msgs/msg/Float32', 'reward', 'sensor').subscribe(({ msg }) => got.push(msg.data));
    const cmd = node.advertise('geometry_msgs/msg/WrenchStamped', '~/cmd', 'command');
    node.start();
    other.start();
    other.advertise('std_msgs/msg/Float32', '/robot1/reward', 'sensor')({ data: 0.5 });
    const force = { x: 1, y: 2, z: 0 };
    cmd({ wrench: { force } });
    force.x = 99; // the caller may reuse its object: the bag holds the message as published
    await bus.idle();
    await bus.close();
    await recorder.close();
    expect(got).toEqual([0.5]);
    const bag = await readBag(file);
    expect(bag.messages.map((m) => m.topic).sort()).toEqual(['/robot1/planner/cmd', '/robot1/reward']);
    const sent = bag.messages.find((m) => m.topic === '/robot1/planner/cmd')!
      .msg as MsgMap['geometry_msgs/msg/WrenchStamped'];
    expect(sent.wrench.force).toEqual({ x: 1, y: 2, z: 0 });
  });
});
