/**
 * Message ↔ planner field copying for the maze robot (maze-interface.ts), with the input checks the node applies
 * before anything reaches the planner. No math here: values are copied, never scaled, clamped or normalised
 * (that lives in planner/ and tasks/), so the bus and ROS behave the same.
 *
 * Every `read*` function returns either the copied values or a `Rejection` naming the reason (the field checks
 * are in input-checks.ts); nothing throws on input, because a robot's sensors are not ours to crash on.
 */
import type {
  DiagnosticStatus,
  MsgInput,
  Odometry,
  Path,
  PoseStamped,
  Vector3Stamped,
  WrenchStamped,
} from '../transport/index.js';
import { timeFromNs } from '../transport/index.js';
import {
  allNumbers,
  finiteArray,
  finiteNumber,
  headerFrame,
  headerStamp,
  isRejection,
  messageObject,
  plannerNumber,
  type Rejection,
} from './input-checks.js';
import { MAZE_FRAMES } from './maze-topics.js';
import type { GoalSample, StateSample } from './robot-interface.js';

export { isRejection, REJECT_REASONS, type Rejection, type RejectReason } from './input-checks.js';

const COVARIANCE_SIZE = 36;

/**
 * Odometry → maze observation (layout order of the maze task's observation fields) [pose.position.x, pose.position.y, twist.linear.x, twist.linear.y]. Rejects
 * non-finite values anywhere in the used fields (including doubles beyond float32) or the covariances,
 * covariances that are not 36 long, and a frame other than the fixed frame.
 */
export function readOdometry(msg: Odometry, fixedFrame: string = MAZE_FRAMES.fixed): StateSample | Rejection {
  const object = messageObject(msg);
  if (object !== true) return object;
  const stampNs = headerStamp(msg.header, 'odom');
  if (isRejection(stampNs)) return stampNs;
  const frame = headerFrame(msg.header, fixedFrame);
  if (frame !== true) return frame;
  const values = allNumbers([
    plannerNumber(msg.pose?.pose?.position?.x, 'pose.pose.position.x'),
    plannerNumber(msg.pose?.pose?.position?.y, 'pose.pose.position.y'),
    plannerNumber(msg.twist?.twist?.linear?.x, 'twist.twist.linear.x'),
    plannerNumber(msg.twist?.twist?.linear?.y, 'twist.twist.linear.y'),
  ]);
  if (isRejection(values)) return values;
  const pose = finiteArray(msg.pose?.covariance, COVARIANCE_SIZE, 'pose.covariance');
  if (pose !== true) return pose;
  const twist = finiteArray(msg.twist?.covariance, COVARIANCE_SIZE, 'twist.covariance');
  if (twist !== true) return twist;
  return { observation: Float64Array.from(values), stampNs };
}

export interface RewardSample {
  readonly reward: number;
  /** Stamp of the state the reward belongs to (maze-interface.ts: pairing by stamp). */
  readonly stampNs: bigint;
}

/** Vector3Stamped reward → vector.x and the stamp of its state (the frame is not read). */
export function readReward(msg: Vector3Stamped): RewardSample | Rejection {
  const object = messageObject(msg);
  if (object !== true) return object;
  const stampNs = headerStamp(msg.header, 'reward');
  if (isRejection(stampNs)) return stampNs;
  const reward = plannerNumber(msg.vector?.x, 'vector.x');
  if (isRejection(reward)) return reward;
  return { reward, stampNs };
}

/**
 * PoseStamped → maze goal [x, y] in the fixed frame (orientation and z are ignored, but must be finite). Reads
 * goal_pose and episode_start (which carries the new episode's goal); `topic` names it in rejections.
 */
export function readGoal(
  msg: PoseStamped,
  fixedFrame: string = MAZE_FRAMES.fixed,
  topic = 'goal_pose',
): GoalSample | Rejection {
  const object = messageObject(msg);
  if (object !== true) return object;
  const stampNs = headerStamp(msg.header, topic);
  if (isRejection(stampNs)) return stampNs;
  const frame = headerFrame(msg.header, fixedFrame);
  if (frame !== true) return frame;
  const p = msg.pose?.position;
  const q = msg.pose?.orientation;
  const values = allNumbers([
    plannerNumber(p?.x, 'pose.position.x'),
    plannerNumber(p?.y, 'pose.position.y'),
    finiteNumber(p?.z, 'pose.position.z'),
    finiteNumber(q?.x, 'pose.orientation.x'),
    finiteNumber(q?.y, 'pose.orientation.y'),
    finiteNumber(q?.z, 'pose.orientation.z'),
    finiteNumber(q?.w, 'pose.orientation.w'),
  ]);
  if (isRejection(values)) return values;
  return { goal: Float64Array.of(values[0]!, values[1]!), stampNs };
}

/** The maze command: wrench.force.{x, y} = action (actuator control units), everything else 0. */
export function commandMessage(
  action: ArrayLike<number> | null,
  stampNs: bigint,
  frameId: string,
): MsgInput<WrenchStamped> {
  return {
    header: { stamp: timeFromNs(stampNs), frame_id: frameId },
    wrench: {
      force: { x: action ? action[0]! : 0, y: action ? action[1]! : 0, z: 0 },
      torque: { x: 0, y: 0, z: 0 },
    },
  };
}

/**
 * Plan → nav_msgs/Path with one pose per planned env step (H·F poses): the predicted position after each step,
 * read from the plan's `position` field. `positionOffset` is the field's offset inside a step (from the token
 * layout); poses carry the plan's stamp plus j control periods, so RViz and bag tools see the timeline.
 */
export function pathMessage(
  steps: Float32Array,
  stepSize: number,
  positionOffset: number,
  stampNs: bigint,
  periodNs: bigint,
  frameId: string,
): MsgInput<Path> {
  const n = Math.floor(steps.length / stepSize);
  const poses: MsgInput<PoseStamped>[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const o = j * stepSize + positionOffset;
    poses[j] = {
      header: { stamp: timeFromNs(stampNs + BigInt(j + 1) * periodNs), frame_id: frameId },
      pose: { position: { x: steps[o]!, y: steps[o + 1]!, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    };
  }
  return { header: { stamp: timeFromNs(stampNs), frame_id: frameId }, poses };
}

/** DiagnosticStatus key/value list from a record, values stringified (DiagnosticStatus carries strings only). */
export function keyValues(
  values: Readonly<Record<string, string | number | boolean>>,
): DiagnosticStatus['values'] {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value: typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : String(value),
  }));
}
