/**
 * The checks every input message field passes before the node uses it, one small function per kind of field.
 * Each returns the checked value or a `Rejection` naming the reason and the field; nothing here throws, because
 * a robot's sensors are not ours to crash on. Robot interfaces (maze today) compose these per message type.
 *
 * Numbers: the planner works in float32 (the network, the plan, the action law), so a value the node hands on
 * must be finite *after* rounding to float32: 1e300 or ±1e39 are finite doubles but become ±Infinity there, and
 * ±Infinity − ±Infinity in the action law is NaN. Such values are `non_finite`, like NaN and ±Infinity.
 * Fields the node reads but does not hand on (covariances, orientation) must only be finite doubles.
 */
import type { Time } from '../transport/index.js';
import { nsFromTime } from '../transport/index.js';

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

/** Largest finite float32 (2^128 − 2^104); a double above it rounds to Infinity in a Float32Array. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** A number the planner will use: finite, and still finite once rounded to float32. */
export function plannerNumber(value: unknown, field: string): number | Rejection {
  const v = finiteNumber(value, field);
  if (isRejection(v)) return v;
  if (Math.abs(v) > FLOAT32_MAX) {
    return { rejected: 'non_finite', detail: `${field} = ${v} is beyond float32 (|x| > ${FLOAT32_MAX})` };
  }
  return v;
}

/** A number the node reads but does not hand on: any finite double. */
export function finiteNumber(value: unknown, field: string): number | Rejection {
  if (typeof value !== 'number')
    return { rejected: 'malformed', detail: `${field} is ${typeof value}, not a number` };
  if (!Number.isFinite(value)) return { rejected: 'non_finite', detail: `${field} = ${value}` };
  return value;
}

/** First rejection of a list of checked values, or the values. */
export function allNumbers(values: readonly (number | Rejection)[]): number[] | Rejection {
  for (const v of values) if (isRejection(v)) return v;
  return values as number[];
}

/** A fixed-size numeric array (e.g. a 6×6 covariance): present, `size` long, every entry a finite double. */
export function finiteArray(value: unknown, size: number, field: string): true | Rejection {
  const arr = value as ArrayLike<unknown> | null | undefined;
  if (arr === undefined || arr === null || typeof arr.length !== 'number') {
    return { rejected: 'malformed', detail: `${field} is missing` };
  }
  if (arr.length !== size) {
    return { rejected: 'wrong_size', detail: `${field} has ${arr.length} entries, not ${size}` };
  }
  for (let i = 0; i < size; i++) {
    const v = finiteNumber(arr[i], `${field}[${i}]`);
    if (isRejection(v)) return v;
  }
  return true;
}

/** builtin_interfaces/Time bounds: sec is an int32, nanosec in [0, 1e9). */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** `header.stamp` in ns, or `malformed` when it is not a valid builtin_interfaces/Time. */
export function headerStamp(header: unknown, field: string): bigint | Rejection {
  const stamp = (header as { stamp?: Partial<Time> } | undefined)?.stamp;
  const sec = stamp?.sec;
  const nanosec = stamp?.nanosec;
  if (
    typeof sec !== 'number' ||
    typeof nanosec !== 'number' ||
    !Number.isInteger(sec) ||
    !Number.isInteger(nanosec) ||
    sec < INT32_MIN ||
    sec > INT32_MAX ||
    nanosec < 0 ||
    nanosec >= 1e9
  ) {
    return { rejected: 'malformed', detail: `${field}.header.stamp is not a valid builtin_interfaces/Time` };
  }
  return nsFromTime({ sec, nanosec });
}

/** `header.frame_id` is the fixed frame (or empty, which means the fixed frame), else `wrong_frame`. */
export function headerFrame(header: unknown, fixedFrame: string): true | Rejection {
  const frame = (header as { frame_id?: unknown } | undefined)?.frame_id;
  if (typeof frame !== 'string') return { rejected: 'malformed', detail: 'header.frame_id is not a string' };
  // An empty frame is what many hand-written publishers send; it means "the fixed frame" here.
  if (frame !== '' && frame !== fixedFrame) {
    return {
      rejected: 'wrong_frame',
      detail: `header.frame_id '${frame.slice(0, 80)}' is not '${fixedFrame}' (the node does no TF lookups; publish in '${fixedFrame}')`,
    };
  }
  return true;
}

/** The message is a plain object (anything else is `malformed`). */
export function messageObject(msg: unknown): true | Rejection {
  return typeof msg === 'object' && msg !== null
    ? true
    : { rejected: 'malformed', detail: 'message is not an object' };
}

/** True when every entry is finite: the node's last check on a command before it is published. */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
