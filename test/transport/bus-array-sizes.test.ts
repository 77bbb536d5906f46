/**
 * Issue 10: array sizes on the bus follow rclnodejs 2.2.0 at publish. rclnodejs builds `new TypeClass(plain)`
 * in `Publisher.publish` (lib/publisher.js:74-78); its translator assigns each array through the generated
 * setter (rosidl_gen/message_translator.cjs:33, :48), and only fixed-size (and bounded) array setters check
 * the length, throwing a RangeError synchronously (rosidl_gen/templates/message-template.cjs:879-889).
 * Variable-length arrays are copied at any length (`fill`, message-template.cjs:939-965). So: a wrong-size
 * fixed array is refused at publish and nobody receives anything; a variable-length array of any size is
 * delivered as sent, and checking its size is the subscriber's job (the node's `wrong_size`).
 */
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../src/errors.js';
import {
  createBus,
  type JointState,
  type MsgInput,
  type Odometry,
  type Received,
} from '../../src/transport/index.js';

async function pair<T extends 'sensor_msgs/msg/JointState' | 'nav_msgs/msg/Odometry'>(type: T) {
  const bus = createBus();
  const a = bus.node('a');
  const b = bus.node('b');
  const got: Received<unknown>[] = [];
  b.observe(type, '/topic', 'default').subscribe((r) => got.push(r));
  const pub = a.advertise(type, '/topic', 'default');
  a.start();
  b.start();
  return { bus, got, pub };
}

describe('array sizes at publish (as rclnodejs)', () => {
  it('delivers variable-length arrays of any size, each as sent (JointState with mismatched lengths)', async () => {
    const { bus, got, pub } = await pair('sensor_msgs/msg/JointState');
    const odd: MsgInput<JointState> = {
      name: ['j1', 'j2'],
      position: [0.1, 0.2, 0.3],
      velocity: [],
      effort: new Float64Array(1000),
    };
    pub(odd);
    pub({ name: [], position: new Float64Array(0) });
    await bus.idle();
    expect(got).toHaveLength(2);
    const first = got[0]!.msg as JointState;
    expect(first.name).toEqual(['j1', 'j2']);
    expect(Array.from(first.position)).toEqual([0.1, 0.2, 0.3]);
    expect(first.velocity).toHaveLength(0);
    expect(first.effort).toHaveLength(1000);
    expect((got[1]!.msg as JointState).position).toHaveLength(0);
    await bus.close();
  });

  it('refuses a fixed-size array of another size at publish, synchronously, and delivers nothing', async () => {
    const { bus, got, pub } = await pair('nav_msgs/msg/Odometry');
    const withCovariance = (pose: ArrayLike<number>): MsgInput<Odometry> =>
      ({ pose: { covariance: pose } }) as MsgInput<Odometry>;
    for (const cov of [new Float64Array(35), new Array(37).fill(0), []]) {
      expect(() => pub(withCovariance(cov))).toThrow(TransportError);
      expect(() => pub(withCovariance(cov))).toThrow(/pose\.covariance' expects exactly 36 elements/);
    }
    pub(withCovariance(new Float64Array(36)));
    await bus.idle();
    expect(got).toHaveLength(1);
    await bus.close();
  });
});
