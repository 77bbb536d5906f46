/**
 * `bus.tap`: every publish on the bus, whatever its QoS and whether anyone subscribes, reaches a tap in publish
 * order with the publisher's QoS and the bus time; a tap that throws is removed and the publisher never notices.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { type BusTapEvent, createBus } from '../../src/transport/index.js';

describe('bus.tap', () => {
  it('sees every message, in order, with topic, type, QoS and time; untap stops it', async () => {
    const bus = createBus({ startNs: 5n, logger: silentLogger });
    const seen: BusTapEvent[] = [];
    const untap = bus.tap((e) => seen.push(e));
    const node = bus.node('talker', '/ns');
    const odom = node.advertise('std_msgs/msg/Float64', 'odom', 'sensor');
    const goal = node.advertise('std_msgs/msg/Float64', '~/goal', 'latched');
    odom({ data: 1 }); // before start and with no subscriber: still published on the bus, so still tapped
    bus.clock.advance(10n);
    goal({ data: 2 });
    expect(seen.map((e) => [e.topic, e.type, e.stampNs, (e.msg as { data: number }).data])).toEqual([
      ['/ns/odom', 'std_msgs/msg/Float64', 5n, 1],
      ['/ns/talker/goal', 'std_msgs/msg/Float64', 15n, 2],
    ]);
    expect(seen[0]!.qos).toEqual({ reliable: false, transientLocal: false, depth: 5 });
    expect(seen[1]!.qos).toEqual({ reliable: true, transientLocal: true, depth: 1 });
    untap();
    odom({ data: 3 });
    expect(seen).toHaveLength(2);
    await bus.close();
  });

  it('a throwing tap is removed; the publish and the subscribers are unaffected', async () => {
    const errors: string[] = [];
    const bus = createBus({ logger: { ...silentLogger, error: (m) => errors.push(m) } });
    let calls = 0;
    bus.tap(() => {
      calls++;
      throw new Error('disk full');
    });
    const a = bus.node('a');
    const b = bus.node('b');
    const got: number[] = [];
    b.observe('std_msgs/msg/Float64', '/x', 'default').subscribe(({ msg }) => got.push(msg.data));
    a.start();
    b.start();
    const pub = a.advertise('std_msgs/msg/Float64', '/x', 'default');
    pub({ data: 1 });
    pub({ data: 2 });
    await bus.idle();
    expect(got).toEqual([1, 2]);
    expect(calls).toBe(1);
    expect(errors).toEqual(['bus tap removed after it threw: disk full']);
    await bus.close();
  });
});
