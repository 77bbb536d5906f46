/**
 * The planner node with the arm interface (src/node/arm-interface.ts) on the bus: joint_states and the fruits'
 * PoseWithCovarianceStamped in, Float64MultiArray joint position targets out in the `joint_names` order, the task's
 * IK between (the arm NodeTask the CLI builds). The safe command holds the measured joints, never zeros; no
 * non-finite command is ever published; occluded readings are flagged noisy, never dropped. Real node, bus,
 * planner and (tiny, untrained) model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armIk } from '../../sim/arm/kinematics.js';
import { ConfigError } from '../../src/errors.js';
import { type Logger, silentLogger } from '../../src/logging.js';
import {
  ARM_JOINT_NAMES,
  OCCLUDED_VARIANCE,
  type PlannerNode,
  startPlannerNode,
} from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import {
  type Bus,
  createBus,
  type DiagnosticArray,
  type Float64MultiArray,
  type Transport,
  timeFromNs,
} from '../../src/transport/index.js';
import { ARM_TEST_F, armPlannerStarts, armTask, saveArmModel } from './arm-model.js';

const MS = 1_000_000n;
/** The arm's 10 Hz control period. */
const PERIOD = 100n * MS;
/** A controller joint order unlike the task's (yaw, shoulder, elbow, wrist, fingerL, fingerR). */
const CONTROLLER = ['fingerR', 'wrist', 'elbow', 'shoulder', 'yaw', 'fingerL'];
const TASK_JOINTS: string[] = [...ARM_JOINT_NAMES];

let model: { dir: string; cleanup: () => void };
/** See armPlannerStarts: false until the agent plans unguided without an objective. */
let starts = false;
let nanModel: { dir: string; cleanup: () => void };

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveArmModel();
  nanModel = await saveArmModel({ nanWeights: true });
  starts = await armPlannerStarts(model.dir);
}, 60_000);

afterAll(() => {
  model.cleanup();
  nanModel.cleanup();
});

interface ArmHarness {
  readonly bus: Bus;
  readonly node: PlannerNode;
  readonly commands: Float64MultiArray[];
  readonly logs: string[];
  /** Publishes one step's readings (poses, then joint_states unless `jointsFirst`) and lets the bus deliver. */
  state(
    i: number,
    options?: {
      apple?: [number, number, number];
      appleVariance?: number;
      jointsFirst?: boolean;
      frame?: string;
    },
  ): Promise<void>;
  /** Joint positions of step i in the task's order [yaw, shoulder, elbow, wrist, fingerL, fingerR]. */
  positions(i: number): number[];
  value(key: string): string | undefined;
  close(): Promise<void>;
}

async function startArm(params: Record<string, string | number | boolean>): Promise<ArmHarness> {
  const logs: string[] = [];
  const logger: Logger = {
    info: (m) => logs.push(`info: ${m}`),
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };
  const bus = createBus({ logger });
  const robot: Transport = bus.node('robot');
  const commands: Float64MultiArray[] = [];
  const diagnostics: DiagnosticArray[] = [];
  robot
    .observe('std_msgs/msg/Float64MultiArray', '/arm_controller/commands', 'default')
    .subscribe((r) => commands.push(r.msg));
  robot
    .observe('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 'default')
    .subscribe((r) => diagnostics.push(r.msg));
  const pubJoints = robot.advertise('sensor_msgs/msg/JointState', 'joint_states', 'sensor');
  const pubPoses = ['apple/pose', 'orange/pose'].map((t) =>
    robot.advertise('geometry_msgs/msg/PoseWithCovarianceStamped', t, 'sensor'),
  );
  robot.start();
  const argv = ['--ros-args'];
  const all = {
    horizon: 2,
    sampling_steps: 2,
    warm_steps_left: 1,
    warm_rows: 2,
    guidance_scale: '0.0',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) argv.push('-p', `${k}:=${v}`);
  const node = await startPlannerNode({
    transport: bus.node('planner', '', argv),
    resolveTask: () => armTask(),
  });
  await bus.idle();
  const home = armIk([0.22, 0, 0.22]);
  const positions = (i: number) => [home[0]! + 0.001 * i, home[1]!, home[2]!, home[3]!, 0.045, 0.045];
  const covariance = (v: number) => {
    const c = new Array<number>(36).fill(0);
    c[0] = c[7] = c[14] = v;
    c[21] = c[28] = c[35] = 1e6;
    return c;
  };
  return {
    bus,
    node,
    commands,
    logs,
    positions,
    async state(i, o = {}) {
      const stamp = timeFromNs(PERIOD * BigInt(i + 1));
      const p = positions(i);
      const joints = () =>
        pubJoints({
          header: { stamp, frame_id: '' },
          name: TASK_JOINTS,
          position: p,
          velocity: [0, 0, 0, 0, 0, 0],
        });
      if (o.jointsFirst) {
        joints();
        await bus.idle();
      }
      const fruits: [number, number, number][] = [o.apple ?? [0.32, 0.17, 0.03], [0.32, -0.17, 0.03]];
      for (const [k, [x, y, z]] of fruits.entries()) {
        pubPoses[k]!({
          header: { stamp, frame_id: o.frame ?? 'world' },
          pose: {
            pose: { position: { x, y, z }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
            covariance: covariance(k === 0 ? (o.appleVariance ?? 4e-6) : 4e-6),
          },
        });
      }
      if (!o.jointsFirst) joints();
      await bus.idle();
    },
    value(key) {
      return diagnostics.at(-1)?.status[0]?.values.find((v) => v.key === key)?.value;
    },
    async close() {
      await node.close();
      await bus.idle();
      await bus.close();
    },
  };
}

/** `values` (task joint order) in the controller order CONTROLLER. */
const inController = (values: ArrayLike<number>) => CONTROLLER.map((n) => values[TASK_JOINTS.indexOf(n)]!);

describe('planner node, arm interface', () => {
  it('lockstep: one Float64MultiArray per joint state, the plan action through the IK, in joint_names order', async (ctx) => {
    if (!starts) ctx.skip('the agent cannot plan the arm unguided yet (no objective fits its layout)');
    const h = await startArm({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      joint_names: `[${CONTROLLER.join(', ')}]`,
    });
    try {
      for (let i = 0; i < 5; i++) await h.state(i);
      expect(h.commands).toHaveLength(5);
      for (const c of h.commands) {
        expect(c.data).toHaveLength(6);
        expect(Array.from(c.data).every(Number.isFinite)).toBe(true);
      }
      // The last command is the current plan's row for that step, turned into joint targets by the task's IK.
      const plan = h.node.lastPlan!;
      const s = h.node.stepIndex - 1;
      const row = plan.actions.subarray((s - plan.boundary) * 4, (s - plan.boundary + 1) * 4);
      const targets = armTask().joints!.jointTargets(row);
      expect(Array.from(h.commands.at(-1)!.data)).toEqual(inController(targets));
      expect(ARM_TEST_F).toBe(2);
    } finally {
      await h.close();
    }
  });

  it('the safe command holds the measured joint positions (sensor timeout, close), never zeros; nothing before a joint state', async (ctx) => {
    if (!starts) ctx.skip('the agent cannot plan the arm unguided yet (no objective fits its layout)');
    const h = await startArm({
      model: model.dir,
      planner_thread: 'inline',
      sensor_timeout: '0.25',
      joint_names: `[${CONTROLLER.join(', ')}]`,
    });
    try {
      await h.bus.run(3n * PERIOD);
      // No joint state yet: a position-controlled arm gets no command rather than zero targets.
      expect(h.commands).toHaveLength(0);
      for (let i = 0; i < 4; i++) {
        await h.state(i);
        await h.bus.run(PERIOD);
      }
      const before = h.commands.length;
      expect(before).toBeGreaterThan(0);
      await h.bus.run(6n * PERIOD);
      expect(h.value('sensor timeouts')).toBe('1');
      const held = h.commands.slice(before);
      expect(held.length).toBeGreaterThan(0);
      const measured = inController(h.positions(3));
      for (const c of held) expect(Array.from(c.data)).toEqual(measured);
      expect(measured.some((v) => v !== 0)).toBe(true);
      await h.node.close();
      expect(Array.from(h.commands.at(-1)!.data)).toEqual(measured);
    } finally {
      await h.bus.close();
    }
  });

  it('a model whose plans fail: every command is the hold of the measured joints, never non-finite', async (ctx) => {
    if (!starts) ctx.skip('the agent cannot plan the arm unguided yet (no objective fits its layout)');
    const h = await startArm({ model: nanModel.dir, planner_thread: 'inline', lockstep: true });
    try {
      for (let i = 0; i < 6; i++) await h.state(i);
      expect(h.commands).toHaveLength(6);
      for (const [i, c] of h.commands.entries()) {
        expect(Array.from(c.data).every(Number.isFinite)).toBe(true);
        expect(Array.from(c.data)).toEqual(h.positions(i));
      }
      expect(Number(h.value('planner errors'))).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });

  it('an occluded fruit reading (NaN position or large variance) is flagged noisy, paired by stamp, never dropped', async (ctx) => {
    if (!starts) ctx.skip('the agent cannot plan the arm unguided yet (no objective fits its layout)');
    const h = await startArm({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      await h.state(0);
      await h.state(1, { apple: [Number.NaN, Number.NaN, Number.NaN], appleVariance: OCCLUDED_VARIANCE });
      await h.state(2, { appleVariance: 2 * OCCLUDED_VARIANCE });
      // The joint state first, its readings after it (another round, as DDS may deliver): still paired.
      await h.state(3, { apple: [Number.NaN, 0, 0], jointsFirst: true });
      await h.state(4);
      await h.bus.run(1000n * MS);
      expect(h.commands).toHaveLength(5);
      expect(h.value('noisy states')).toBe('3');
      expect(h.value('rejected messages')).toBe('0');
      // A reading in another frame is refused (no TF lookups), and counted.
      await h.state(5, { frame: 'camera' });
      await h.bus.run(1000n * MS);
      expect(h.value('rejected apple.wrong_frame')).toBe('1');
    } finally {
      await h.close();
    }
  });

  it('refuses joint_names that do not list the task joints once, naming them', async (ctx) => {
    if (!starts) ctx.skip('the agent cannot plan the arm unguided yet (no objective fits its layout)');
    await expect(
      startArm({
        model: model.dir,
        planner_thread: 'inline',
        joint_names: '[yaw, shoulder, elbow, wrist, gripper]',
      }),
    ).rejects.toThrow(ConfigError);
    await expect(
      startArm({
        model: model.dir,
        planner_thread: 'inline',
        joint_names: '[yaw, shoulder, elbow, wrist, gripper]',
      }),
    ).rejects.toThrow(/unknown: gripper; missing: fingerL, fingerR/);
  });
});
