/**
 * The arm sim node (sim/nodes/arm-sim-node.ts) on the bus, lockstep, with a controller node that sends the
 * scripted joint targets a forward command controller would get: JointState by name, each fruit's
 * PoseWithCovarianceStamped (an occluded one flagged by NaN and its covariance, still published), the episode
 * start and /clock; Float64MultiArray targets in the `joints` order; bad commands dropped and counted. Also: the
 * env's joint-space step is its action step with the IK done outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmSwapEnv } from '../../../sim/arm/arm-env.js';
import { HOME } from '../../../sim/arm/geometry.js';
import { armIk } from '../../../sim/arm/kinematics.js';
import { type ArmSimConfig, ArmSimNode } from '../../../sim/nodes/index.js';
import { OCCLUDED_VARIANCE } from '../../../src/node/arm-topics.js';
import {
  type Bus,
  createBus,
  type JointState,
  nsFromTime,
  type PoseWithCovarianceStamped,
} from '../../../src/transport/index.js';
import { makeArm } from '../../helpers/make-arm.js';

const CONTROLLER = ['fingerR', 'wrist', 'elbow', 'shoulder', 'yaw', 'fingerL'];

let envs: ArmSwapEnv[] = [];
beforeAll(async () => {
  envs = [await makeArm(), await makeArm(), await makeArm()];
}, 120_000);
afterAll(() => {
  for (const e of envs) e.close();
});

interface Rig {
  readonly bus: Bus;
  readonly sim: ArmSimNode;
  readonly joints: JointState[];
  readonly poses: { apple: PoseWithCovarianceStamped[]; orange: PoseWithCovarianceStamped[] };
  readonly episodes: number[];
  readonly logs: string[];
  send(data: number[]): Promise<void>;
}

async function rig(env: ArmSwapEnv, config: Partial<ArmSimConfig>): Promise<Rig> {
  const logs: string[] = [];
  const bus = createBus({
    logger: {
      info: (m) => logs.push(m),
      warn: (m) => logs.push(`warn ${m}`),
      error: (m) => logs.push(`error ${m}`),
    },
  });
  const watch = bus.node('watch');
  const joints: JointState[] = [];
  const poses = { apple: [] as PoseWithCovarianceStamped[], orange: [] as PoseWithCovarianceStamped[] };
  const episodes: number[] = [];
  watch.observe('sensor_msgs/msg/JointState', 'joint_states', 'sensor').subscribe((r) => joints.push(r.msg));
  for (const f of ['apple', 'orange'] as const) {
    watch
      .observe('geometry_msgs/msg/PoseWithCovarianceStamped', `${f}/pose`, 'sensor')
      .subscribe((r) => poses[f].push(r.msg));
  }
  watch
    .observe('std_msgs/msg/Header', 'episode_start', 'default')
    .subscribe(() => episodes.push(joints.length));
  watch.start();
  const controller = bus.node('arm_controller_test');
  const publish = controller.advertise(
    'std_msgs/msg/Float64MultiArray',
    '/arm_controller/commands',
    'command',
  );
  controller.start();
  const sim = new ArmSimNode(bus.node('arm_sim'), env, { lockstep: true, joints: CONTROLLER, ...config });
  sim.start();
  await bus.idle();
  return {
    bus,
    sim,
    joints,
    poses,
    episodes,
    logs,
    async send(data) {
      publish({ layout: { dim: [], data_offset: 0 }, data });
      await bus.idle();
    },
  };
}

/** Joint targets (env order yaw, shoulder, elbow, wrist, fingerL, fingerR) in the CONTROLLER order. */
const ORDER = ['yaw', 'shoulder', 'elbow', 'wrist', 'fingerL', 'fingerR'];
const inController = (env: number[]) => CONTROLLER.map((n) => env[ORDER.indexOf(n)]!);

describe('arm sim node (lockstep, bus)', () => {
  it('publishes joint states by name and fruit poses per step, applies joint targets, ends with a record', async () => {
    const r = await rig(envs[0]!, { episodes: 1, maxSteps: 6, seed: 3 });
    try {
      expect(r.episodes).toHaveLength(1);
      expect(r.joints).toHaveLength(1);
      // Reach a point below HOME: the arm moves toward it, step after step.
      const target = armIk([0.3, 0.05, 0.12]);
      for (let i = 0; i < 6; i++) await r.send(inController([...target, 0.03, 0.03]));
      const report = await r.sim.done;
      expect(r.joints).toHaveLength(7);
      const last = r.joints.at(-1)!;
      expect(last.name).toEqual(CONTROLLER);
      expect(last.position).toHaveLength(6);
      expect(last.velocity).toHaveLength(6);
      const yaw = last.position[CONTROLLER.indexOf('yaw')]!;
      expect(Math.abs(yaw - target[0]!)).toBeLessThan(Math.abs(armIk(HOME)[0]! - target[0]!));
      // Fruit poses: stamped like the joint state of their step, in the fixed frame, trusted covariance.
      expect(r.poses.apple).toHaveLength(7);
      const apple = r.poses.apple.at(-1)!;
      expect(nsFromTime(apple.header.stamp)).toBe(nsFromTime(last.header.stamp));
      expect(apple.header.frame_id).toBe('world');
      expect(apple.pose.covariance[0]).toBeLessThan(OCCLUDED_VARIANCE);
      expect(Number.isFinite(apple.pose.pose.position.x)).toBe(true);
      const e = report.episodes[0]!;
      expect(e.steps).toBe(6);
      expect(e.commandsApplied).toBe(6);
      expect(['AB', 'BA']).toContain(e.case);
      expect(e.success).toBe(false);
      expect(e.graspPath).toHaveLength(3 * 7);
    } finally {
      r.sim.stop();
      await r.bus.close();
    }
  });

  it('an occluded fruit is still published, NaN with the occluded covariance; bad commands are dropped and counted', async () => {
    const r = await rig(envs[1]!, {
      episodes: 1,
      maxSteps: 5,
      occlude: 'apple',
      occludeWindow: [0.15, 0.35],
    });
    try {
      const hold = inController([...armIk(HOME), 0.045, 0.045]);
      await r.send(hold);
      await r.send([...hold.slice(0, 5), Number.NaN]);
      await r.send(hold.slice(0, 4));
      await r.send(hold);
      await r.send(hold);
      const report = await r.sim.done;
      expect(r.poses.apple).toHaveLength(6);
      expect(r.poses.orange).toHaveLength(6);
      const hidden = r.poses.apple.map((p) => Number.isNaN(p.pose.pose.position.x));
      // States at t = 0.2 and 0.3 s fall in [0.15, 0.35).
      expect(hidden).toEqual([false, false, true, true, false, false]);
      for (const [k, p] of r.poses.apple.entries())
        expect(p.pose.covariance[0]! >= OCCLUDED_VARIANCE).toBe(hidden[k]);
      expect(r.poses.orange.every((p) => Number.isFinite(p.pose.pose.position.x))).toBe(true);
      const e = report.episodes[0]!;
      expect(e.occludedSteps).toBe(2);
      expect(e.rejected.non_finite).toBe(1);
      expect(e.rejected.malformed).toBe(1);
      expect(e.commandsApplied).toBe(3);
      expect(r.logs.some((l) => /dropped a \/arm_controller\/commands command \(non_finite\)/.test(l))).toBe(
        true,
      );
    } finally {
      r.sim.stop();
      await r.bus.close();
    }
  });

  it("the env's joint-space step is its action step with the IK done outside (same observations)", async () => {
    const [a, b] = [envs[0]!, envs[2]!];
    const ra = a.reset(11);
    const rb = b.reset(11);
    expect(Array.from(rb.observation)).toEqual(Array.from(ra.observation));
    for (const act of [
      [0.3, 0.1, 0.16, 0.045],
      [0.32, 0.17, 0.06, 0.045],
      [0.32, 0.17, 0.045, 0.01],
    ]) {
      const sa = a.step(act);
      const sb = b.stepJoints([...armIk(act), act[3]!, act[3]!]);
      expect(Array.from(sb.observation)).toEqual(Array.from(sa.observation));
    }
  });
});
