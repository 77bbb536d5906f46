/**
 * Message ↔ planner field copying for the maze robot (maze-interface.ts), with the input checks the node applies
 * before anything reaches the planner. No math here: values are copied, never scaled, clamped or normalised
 * (that lives in planner/ and tasks/), so the bus and ROS behave the same.
 *
 * Every `read*` function returns either the copied values or a `Rejection` naming the reason; nothing throws on
 * input, because a robot's sensors are not ours to crash on.
 */
import type {
  DiagnosticStatus,
  Float32,
  MsgInput,
  Odometry,
  Path,
  PoseStamped,
  WrenchStamped,
} from '../transport/index.js';
import { nsFromTime, timeFromNs } from '../transport/index.js';
import { MAZE_FRAMES } from './maze-interface.js';

/**
 * Why an input message was dropped (diagnostics count each reason per topic). `duplicate` (a state with the
 * stamp of the last accepted one, e.g. the sim's start-up re-send) is counted but is no fault.
 */
export type RejectReason =
  | 'non_finite'
  | 'wrong_size'
  | 'out_of_order'
  | 'wrong_frame'
  | 'malformed'
  | 'duplicate';

export const REJECT_REASONS: readonly RejectReason[] = [
  'non_finite',
  'wrong_size',
  'out_of_order',
  'wrong_frame',
  'malformed',
  'duplicate',
];

export interface Rejection {
  readonly rejected: RejectReason;
  /** What was wrong, for the log line (names the field and the value). */
  readonly detail: string;
}

export function isRejection(x: unknown): x is Rejection {
  return typeof x === 'object' && x !== null && 'rejected' in x;
}

/** Maze observation [x, y, vx, vy] (layout order of the maze task's observation fields) and its stamp. */
export interface StateSample {
  readonly observation: Float64Array;
  readonly stampNs: bigint;
}

const COVARIANCE_SIZE = 36;

function num(value: unknown, field: string): number | Rejection {
  if (typeof value !== 'number')
    return { rejected: 'malformed', detail: `${field} is ${typeof value}, not a number` };
  if (!Number.isFinite(value)) return { rejected: 'non_finite', detail: `${field} = ${value}` };
  return value;
}

function stampOf(header: unknown, field: string): bigint | Rejection {
  const stamp = (header as { stamp?: { sec?: unknown; nanosec?: unknown } } | undefined)?.stamp;
  if (
    typeof stamp?.sec !== 'number' ||
    typeof stamp.nanosec !== 'number' ||
    !Number.isInteger(stamp.sec) ||
    !Number.isInteger(stamp.nanosec) ||
    stamp.nanosec < 0 ||
    stamp.nanosec >= 1e9
  ) {
    return { rejected: 'malformed', detail: `${field}.header.stamp is not a valid builtin_interfaces/Time` };
  }
  return nsFromTime({ sec: stamp.sec, nanosec: stamp.nanosec });
}

function frameOk(header: unknown, fixedFrame: string): true | Rejection {
  const frame = (header as { frame_id?: unknown } | undefined)?.frame_id;
  if (typeof frame !== 'string') return { rejected: 'malformed', detail: 'header.frame_id is not a string' };
  // An empty frame is what many hand-written publishers send; it means "the fixed frame" here.
  if (frame !== '' && frame !== fixedFrame) {
    return {
      rejected: 'wrong_frame',
      detail: `header.frame_id '${frame}' is not '${fixedFrame}' (the node does no TF lookups; publish in '${fixedFrame}')`,
    };
  }
  return true;
}

/**
 * Odometry → maze observation [pose.position.x, pose.position.y, twist.linear.x, twist.linear.y]. Rejects
 * non-finite values anywhere in the used fields or the covariances, covariances that are not 36 long, and a
 * frame other than the fixed frame.
 */
export function readOdometry(msg: Odometry, fixedFrame: string = MAZE_FRAMES.fixed): StateSample | Rejection {
  if (typeof msg !== 'object' || msg === null)
    return { rejected: 'malformed', detail: 'message is not an object' };
  const stampNs = stampOf(msg.header, 'odom');
  if (isRejection(stampNs)) return stampNs;
  const frame = frameOk(msg.header, fixedFrame);
  if (frame !== true) return frame;
  const values = [
    num(msg.pose?.pose?.position?.x, 'pose.pose.position.x'),
    num(msg.pose?.pose?.position?.y, 'pose.pose.position.y'),
    num(msg.twist?.twist?.linear?.x, 'twist.twist.linear.x'),
    num(msg.twist?.twist?.linear?.y, 'twist.twist.linear.y'),
  ];
  for (const v of values) if (isRejection(v)) return v;
  for (const [name, cov] of [
    ['pose.covariance', msg.pose?.covariance],
    ['twist.covariance', msg.twist?.covariance],
  ] as const) {
    if (cov === undefined || cov === null || typeof cov.length !== 'number') {
      return { rejected: 'malformed', detail: `${name} is missing` };
    }
    if (cov.length !== COVARIANCE_SIZE) {
      return { rejected: 'wrong_size', detail: `${name} has ${cov.length} entries, not ${COVARIANCE_SIZE}` };
    }
    for (let i = 0; i < cov.length; i++) {
      if (!Number.isFinite(cov[i])) return { rejected: 'non_finite', detail: `${name}[${i}] = ${cov[i]}` };
    }
  }
  return { observation: Float64Array.from(values as number[]), stampNs };
}

/** std_msgs/Float32 reward → number (the message has no header, so it pairs with odom by arrival order). */
export function readReward(msg: Float32): number | Rejection {
  if (typeof msg !== 'object' || msg === null)
    return { rejected: 'malformed', detail: 'message is not an object' };
  return num(msg.data, 'data');
}

export interface GoalSample {
  readonly goal: Float64Array;
  readonly stampNs: bigint;
}

/** PoseStamped → maze goal [x, y] in the fixed frame (orientation and z are ignored, but must be finite). */
export function readGoal(msg: PoseStamped, fixedFrame: string = MAZE_FRAMES.fixed): GoalSample | Rejection {
  if (typeof msg !== 'object' || msg === null)
    return { rejected: 'malformed', detail: 'message is not an object' };
  const stampNs = stampOf(msg.header, 'goal_pose');
  if (isRejection(stampNs)) return stampNs;
  const frame = frameOk(msg.header, fixedFrame);
  if (frame !== true) return frame;
  const p = msg.pose?.position;
  const q = msg.pose?.orientation;
  const values = [
    num(p?.x, 'pose.position.x'),
    num(p?.y, 'pose.position.y'),
    num(p?.z, 'pose.position.z'),
    num(q?.x, 'pose.orientation.x'),
    num(q?.y, 'pose.orientation.y'),
    num(q?.z, 'pose.orientation.z'),
    num(q?.w, 'pose.orientation.w'),
  ];
  for (const v of values) if (isRejection(v)) return v;
  return { goal: Float64Array.of(values[0] as number, values[1] as number), stampNs };
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
