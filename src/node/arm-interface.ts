/**
 * The position-controlled arm robot interface (robot-interface.ts), the planner node's second implementation,
 * for the fruit-swap arm. Topics, types and conventions are the contract in arm-topics.ts, which the arm sim
 * node shares.
 *
 * - State: sensor_msgs/JointState (joints read by name, any order) and one PoseWithCovarianceStamped per
 *   observed object, assembled into the model's observation [q (arm joints) | qd | gripper = sum of the finger
 *   slides | object xyz …]. The node steps on joint_states; object readings are paired with it by stamp: a joint
 *   state waits (at most until the next one) for the readings stamped like it, since DDS keeps no order across
 *   topics. An object reading whose position variance is at least `occluded_variance`, or whose position is NaN,
 *   is occluded: the observation is flagged noisy (the agent absorbs it at noisy_observe_level, leaning on its
 *   memory) and carries the reading as sent, or the object's last finite position when it is NaN.
 * - Command: std_msgs/Float64MultiArray on the forward command controller's topic, one position target per joint
 *   in the order of `joint_names` (the controller's `joints`). The task's kinematics (NodeTask.joints, injected by
 *   the CLI) turn the model's action into joint targets.
 * - Safe command: the measured joint positions (the latest valid joint_states), held. Never zeros: zero targets
 *   would swing a position-controlled arm to its zero pose. Before any joint state there is nothing safe to send,
 *   and nothing is sent (the controller keeps its own target).
 * - Plan: nav_msgs/Path of the planned grasp-point targets (the action's x, y, z) in the fixed frame.
 */
import { ConfigError } from '../errors.js';
import { type ConfigOf, defineParams } from '../params/index.js';
import type {
  Float64MultiArray,
  JointState,
  MsgInput,
  Path,
  PoseStamped,
  PoseWithCovarianceStamped,
  Received,
  Transport,
} from '../transport/index.js';
import { timeFromNs } from '../transport/index.js';
import {
  ARM_FRAMES,
  ARM_JOINT_NAMES,
  ARM_QOS,
  ARM_TOPICS,
  ARM_TYPES,
  OCCLUDED_VARIANCE,
} from './arm-topics.js';
import {
  allFinite,
  finiteArray,
  headerFrame,
  headerStamp,
  isRejection,
  messageObject,
  plannerNumber,
  type Rejection,
} from './input-checks.js';
import type { JointTask, NodeTask } from './node-task.js';
import type { HostInfo, HostPlan } from './planner-protocol.js';
import type { RobotConnectOptions, RobotInterface, RobotLink, StateSample } from './robot-interface.js';
import { EPISODE_TOPIC_PARAM, PLAN_PARAMS } from './robot-params.js';

export * from './arm-topics.js';

export const ARM_INTERFACE_PARAMS = defineParams([
  {
    name: 'frame_id',
    key: 'frameId',
    type: 'string',
    default: ARM_FRAMES.fixed,
    mode: 'static',
    description:
      'fixed frame of the object poses and the plan (no TF lookups: poses in other frames are refused)',
  },
  {
    name: 'joint_states_topic',
    key: 'jointStatesTopic',
    type: 'string',
    default: ARM_TOPICS.jointStates,
    mode: 'static',
    description: 'state input (sensor_msgs/msg/JointState: positions and velocities, joints by name)',
  },
  {
    name: 'object_topics',
    key: 'objectTopics',
    type: 'string[]',
    default: [...ARM_TOPICS.objectPoses] as string[],
    mode: 'static',
    description:
      "object pose inputs (geometry_msgs/msg/PoseWithCovarianceStamped), one per observed object in the model's order",
  },
  {
    name: 'occluded_variance',
    key: 'occludedVariance',
    type: 'double',
    default: OCCLUDED_VARIANCE,
    unit: 'm²',
    range: [0, 1e12],
    mode: 'dynamic',
    description:
      'an object reading with this position variance or more (or a NaN position) is occluded: the step is flagged noisy',
  },
  ...EPISODE_TOPIC_PARAM,
  {
    name: 'command_topic',
    key: 'commandTopic',
    type: 'string',
    default: ARM_TOPICS.command,
    mode: 'static',
    description:
      "command output (std_msgs/msg/Float64MultiArray: joint position targets in joint_names order, a forward command controller's ~/commands)",
  },
  {
    name: 'joint_names',
    key: 'jointNames',
    type: 'string[]',
    default: [...ARM_JOINT_NAMES] as string[],
    mode: 'static',
    description: "the controller's joints, in the order its commands list them (its 'joints' parameter)",
  },
  ...PLAN_PARAMS,
] as const);

type ArmParams = ConfigOf<typeof ARM_INTERFACE_PARAMS>;

/** The observation fields the arm interface fills, in order. */
function expectedFields(j: JointTask): { name: string; size: number }[] {
  return [
    { name: 'joint_position', size: j.armJoints.length },
    { name: 'joint_velocity', size: j.armJoints.length },
    { name: 'gripper', size: 1 },
    ...j.objects.map((name) => ({ name, size: 3 })),
  ];
}

function checkArmLayout(info: HostInfo, task: NodeTask): void {
  const j = task.joints;
  if (!j) {
    throw new ConfigError(
      `task ${task.id} has no joint description (NodeTask.joints): the arm interface needs its joints and kinematics`,
      'task',
    );
  }
  const want = expectedFields(j);
  const obs = info.layout.fields.filter((f) => f.kind === 'observation');
  const ok =
    obs.length === want.length && obs.every((f, i) => f.name === want[i]!.name && f.size === want[i]!.size);
  if (!ok) {
    throw new ConfigError(
      `the arm interface needs a model with observation fields [${want.map((f) => `${f.name}(${f.size})`).join(', ')}]; this model has ${obs.map((f) => `${f.name}(${f.size})`).join(', ')}`,
      'model',
    );
  }
  if (task.actionLow.length !== info.actionSize || task.actionHigh.length !== info.actionSize) {
    throw new ConfigError(
      `task ${task.id} has ${task.actionLow.length}-d action bounds, the model ${info.actionSize}`,
      'task',
    );
  }
}

/** One object reading: its position (finite) and whether it is occluded. */
interface ObjectReading {
  readonly position: readonly [number, number, number];
  readonly stampNs: bigint;
  readonly occluded: boolean;
}

/** A checked joint state: positions and velocities of the task's joints (armJoints then fingerJoints). */
interface JointReading {
  readonly positions: Float64Array;
  readonly velocities: Float64Array;
  readonly stampNs: bigint;
}

/** JointState → the task's joints by name; every needed joint must be there with a finite position and velocity. */
export function readJointState(msg: JointState, joints: readonly string[]): JointReading | Rejection {
  const object = messageObject(msg);
  if (object !== true) return object;
  const stampNs = headerStamp(msg.header, 'joint_states');
  if (isRejection(stampNs)) return stampNs;
  const names = msg.name;
  if (!Array.isArray(names)) return { rejected: 'malformed', detail: 'name is not a string array' };
  const n = names.length;
  for (const [field, arr] of [
    ['position', msg.position],
    ['velocity', msg.velocity],
  ] as const) {
    if (arr === null || arr === undefined || typeof arr.length !== 'number')
      return { rejected: 'malformed', detail: `${field} is missing` };
    if (arr.length !== n)
      return { rejected: 'wrong_size', detail: `${field} has ${arr.length} entries for ${n} names` };
  }
  const positions = new Float64Array(joints.length);
  const velocities = new Float64Array(joints.length);
  for (const [k, joint] of joints.entries()) {
    const i = names.indexOf(joint);
    if (i < 0) {
      return {
        rejected: 'malformed',
        detail: `joint '${joint}' is missing (names: ${names.slice(0, 12).join(', ')})`,
      };
    }
    const p = plannerNumber(msg.position[i], `position[${i}] (${joint})`);
    if (isRejection(p)) return p;
    const v = plannerNumber(msg.velocity[i], `velocity[${i}] (${joint})`);
    if (isRejection(v)) return v;
    positions[k] = p;
    velocities[k] = v;
  }
  return { positions, velocities, stampNs };
}

const COVARIANCE_SIZE = 36;
/** Diagonal entries of the position block (x, y, z) in a row-major 6×6 covariance. */
const POSITION_VARIANCE = [0, 7, 14];

/**
 * PoseWithCovarianceStamped → an object reading. A NaN position is an occlusion flag, not an error (the
 * position then comes from `last`, or the reading is refused when the object was never seen); so is a position
 * variance at or above `occludedVariance`, or a NaN variance. Infinite positions, or positions beyond float32,
 * are refused.
 */
export function readObjectPose(
  msg: PoseWithCovarianceStamped,
  topic: string,
  fixedFrame: string,
  occludedVariance: number,
  last: ObjectReading | null,
): ObjectReading | Rejection {
  const object = messageObject(msg);
  if (object !== true) return object;
  const stampNs = headerStamp(msg.header, topic);
  if (isRejection(stampNs)) return stampNs;
  const frame = headerFrame(msg.header, fixedFrame);
  if (frame !== true) return frame;
  const cov = msg.pose?.covariance as ArrayLike<number> | undefined;
  if (cov === undefined || cov === null || typeof cov.length !== 'number')
    return { rejected: 'malformed', detail: 'pose.covariance is missing' };
  if (cov.length !== COVARIANCE_SIZE)
    return { rejected: 'wrong_size', detail: `pose.covariance has ${cov.length} entries, not 36` };
  const p = msg.pose?.pose?.position;
  const raw = [p?.x, p?.y, p?.z];
  const hidden = raw.some((v) => typeof v === 'number' && Number.isNaN(v));
  const variances = POSITION_VARIANCE.map((i) => cov[i]!);
  const occluded = hidden || variances.some((v) => Number.isNaN(v) || v >= occludedVariance);
  if (hidden) {
    if (last === null) {
      return { rejected: 'non_finite', detail: `${topic}: a NaN (occluded) position before any visible one` };
    }
    return { position: last.position, stampNs, occluded: true };
  }
  const values: number[] = [];
  for (const [k, v] of raw.entries()) {
    const x = plannerNumber(v, `pose.pose.position.${'xyz'[k]}`);
    if (isRejection(x)) return x;
    values.push(x);
  }
  if (!occluded) {
    // A trusted reading must be fully finite (an occluded one may carry NaN variances: unknown reliability).
    const finite = finiteArray(cov, COVARIANCE_SIZE, 'pose.covariance');
    if (finite !== true) return finite;
  }
  return { position: [values[0]!, values[1]!, values[2]!], stampNs, occluded };
}

/** Joint targets in the task's order → the controller's order (`order[k]` = task index of controller joint k). */
function reorder(values: ArrayLike<number>, order: readonly number[]): number[] {
  return order.map((i) => values[i]!);
}

function connectArm(t: Transport, o: RobotConnectOptions): RobotLink {
  const params = o.params as ArmParams;
  const joints = o.task.joints!;
  const inputs = o.inputs;
  const taskJoints = [...joints.armJoints, ...joints.fingerJoints];
  const n = joints.armJoints.length;
  const objects = joints.objects;
  if (params.objectTopics.length !== objects.length) {
    throw new ConfigError(
      `object_topics lists ${params.objectTopics.length} topics for the task's ${objects.length} objects (${objects.join(', ')}), in that order`,
      'object_topics',
    );
  }
  // The controller's joint order, as indices into the task's joints: each task joint exactly once.
  const order = params.jointNames.map((name) => taskJoints.indexOf(name));
  const unknown = params.jointNames.filter((name) => !taskJoints.includes(name));
  const missing = taskJoints.filter((name) => !params.jointNames.includes(name));
  if (
    unknown.length > 0 ||
    missing.length > 0 ||
    new Set(params.jointNames).size !== params.jointNames.length
  ) {
    throw new ConfigError(
      `joint_names must list each of the task's joints (${taskJoints.join(', ')}) once, in the controller's order; got [${params.jointNames.join(', ')}]` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : '') +
        (missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''),
      'joint_names',
    );
  }
  const frameId = params.frameId;
  let occludedVariance = params.occludedVariance;
  const watched: Record<string, string> = { joint_states: t.resolve(params.jointStatesTopic) };
  for (const [k, name] of objects.entries()) watched[name] = t.resolve(params.objectTopics[k]!);

  const publishCommand = t.advertise(ARM_TYPES.command, params.commandTopic, ARM_QOS.command);
  const publishPlan = t.advertise(ARM_TYPES.plan, params.planTopic, ARM_QOS.plan);

  const readings: (ObjectReading | null)[] = objects.map(() => null);
  let measured: JointReading | null = null;
  /** A joint state waiting for the object readings stamped like it (see the header). */
  let pending: { joint: JointReading; recvNs: bigint } | null = null;

  const assemble = (joint: JointReading): StateSample | null => {
    if (readings.some((r) => r === null)) return null;
    const obs = new Float64Array(2 * n + 1 + 3 * objects.length);
    obs.set(joint.positions.subarray(0, n), 0);
    obs.set(joint.velocities.subarray(0, n), n);
    let gripper = 0;
    for (let k = n; k < taskJoints.length; k++) gripper += joint.positions[k]!;
    obs[2 * n] = gripper;
    let noisy = false;
    for (const [k, r] of readings.entries()) {
      obs.set(r!.position, 2 * n + 1 + 3 * k);
      noisy ||= r!.occluded;
    }
    return noisy
      ? { observation: obs, stampNs: joint.stampNs, noisy }
      : { observation: obs, stampNs: joint.stampNs };
  };
  const complete = (stampNs: bigint) => readings.every((r) => r !== null && r.stampNs >= stampNs);
  /** Hands the pending joint state on, with whatever readings there are (none at all: refused). */
  const flush = () => {
    const p = pending;
    pending = null;
    if (!p) return;
    const sample = assemble(p.joint);
    if (sample) inputs.state(sample, p.recvNs);
    else {
      const silent = objects.filter((_, k) => readings[k] === null);
      inputs.rejected('joint_states', {
        rejected: 'malformed',
        detail: `no reading of ${silent.join(', ')} yet (${silent.map((s) => watched[s]).join(', ')}): the observation is incomplete`,
      });
    }
  };

  const subscriptions = objects.map((name, k) =>
    t
      .observe(ARM_TYPES.objectPose, params.objectTopics[k]!, ARM_QOS.objectPose)
      .subscribe((r: Received<PoseWithCovarianceStamped>) => {
        inputs.heard(name);
        const reading = readObjectPose(r.msg, name, frameId, occludedVariance, readings[k]!);
        if (isRejection(reading)) {
          inputs.rejected(name, reading);
          return;
        }
        const last = readings[k] ?? null;
        if (last !== null && reading.stampNs < last.stampNs) {
          inputs.rejected(name, {
            rejected: 'out_of_order',
            detail: `stamp ${reading.stampNs} ns is older than the last reading's ${last.stampNs} ns`,
          });
          return;
        }
        readings[k] = reading;
        if (pending && complete(pending.joint.stampNs)) flush();
      }),
  );
  if (params.episodeTopic !== '') {
    subscriptions.push(
      t.observe(ARM_TYPES.episodeStart, params.episodeTopic, ARM_QOS.episodeStart).subscribe((r) => {
        inputs.heard('episode');
        const stampNs = headerStamp({ stamp: r.msg?.stamp }, 'episode_start');
        if (isRejection(stampNs)) inputs.rejected('episode', stampNs);
        else inputs.episodeStart(stampNs, null);
      }),
    );
  }
  subscriptions.push(
    t
      .observe(ARM_TYPES.jointStates, params.jointStatesTopic, ARM_QOS.jointStates)
      .subscribe((r: Received<JointState>) => {
        inputs.heard('joint_states');
        const joint = readJointState(r.msg, taskJoints);
        if (isRejection(joint)) {
          inputs.rejected('joint_states', joint);
          return;
        }
        measured = joint;
        flush();
        pending = { joint, recvNs: r.recvNs };
        if (complete(joint.stampNs)) flush();
      }),
  );

  const commandOf = (targets: ArrayLike<number>): MsgInput<Float64MultiArray> => ({
    layout: { dim: [], data_offset: 0 },
    data: reorder(targets, order),
  });

  return {
    watched,
    sendAction(action) {
      const targets = joints.jointTargets(action);
      if (targets.length !== taskJoints.length || !allFinite(targets)) return false;
      publishCommand(commandOf(targets));
      return true;
    },
    sendSafe() {
      const m = measured;
      if (m === null) return null;
      publishCommand(commandOf(m.positions));
      return Float32Array.from(joints.holdAction(m.positions));
    },
    publishPlan(plan: HostPlan, stampNs: bigint, periodNs: bigint) {
      publishPlan(graspPath(plan.actions, o.info.actionSize, stampNs, periodNs, frameId));
    },
    applyParams(changes) {
      const v = changes['occluded_variance'];
      if (typeof v === 'number') occludedVariance = v;
    },
    unsubscribe() {
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}

/** The planned grasp-point targets (each action's x, y, z) as a Path, one pose per planned step. */
function graspPath(
  actions: Float32Array,
  actionSize: number,
  stampNs: bigint,
  periodNs: bigint,
  frameId: string,
): MsgInput<Path> {
  const rows = Math.floor(actions.length / actionSize);
  const poses: MsgInput<PoseStamped>[] = new Array(rows);
  for (let j = 0; j < rows; j++) {
    const o = j * actionSize;
    poses[j] = {
      header: { stamp: timeFromNs(stampNs + BigInt(j + 1) * periodNs), frame_id: frameId },
      pose: {
        position: { x: actions[o]!, y: actions[o + 1]!, z: actions[o + 2]! },
        orientation: { x: 0, y: 0, z: 0, w: 1 },
      },
    };
  }
  return { header: { stamp: timeFromNs(stampNs), frame_id: frameId }, poses };
}

export const armInterface: RobotInterface = {
  name: 'arm',
  params: ARM_INTERFACE_PARAMS,
  checkLayout: checkArmLayout,
  connect: connectArm,
};
