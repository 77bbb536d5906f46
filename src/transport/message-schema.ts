/**
 * Field schema of every type in `MsgMap`, and `normalizeMessage`, which turns a publisher's partial plain object
 * into the complete message a subscriber receives — what rclnodejs does when it builds `new TypeClass(obj)` and
 * deserialises on the other side (docs/ros2.md §1.5):
 * - missing fields get the .msg defaults (0, '', false, empty arrays, zeroed nested messages, Quaternion.w = 1);
 * - unknown fields are dropped;
 * - the result is a deep copy (the publisher may reuse its object);
 * - numeric arrays become typed arrays (float64[] → Float64Array, float32[] → Float32Array, int8[] → Int8Array,
 *   uint8[] → Uint8Array, …), and float32 scalars are rounded to float32 as the wire format does.
 * Unlike rclnodejs (which fails late, in native code, or coerces), a value of the wrong kind is a TransportError
 * naming the type, the field path and the value.
 *
 * Field notation: a primitive (`float64`, `uint32`, `string`, `bool`, …), optionally with a default (`float64=1`),
 * an array (`float64[]`, fixed size `float64[36]`), or a message type name, optionally an array of them.
 */
import { TransportError } from '../errors.js';
import type { MsgMap } from './msgs.js';
import type { TypeName } from './types.js';

type Schema = { [K in TypeName]: { [F in keyof MsgMap[K]]-?: string } };

const HEADER = 'std_msgs/msg/Header';
const POINT = 'geometry_msgs/msg/Point';
const VECTOR3 = 'geometry_msgs/msg/Vector3';
const QUATERNION = 'geometry_msgs/msg/Quaternion';
const POSE = 'geometry_msgs/msg/Pose';
const TIME = 'builtin_interfaces/msg/Time';
const DURATION = 'builtin_interfaces/msg/Duration';

/** The field table. The mapped type makes tsc reject a missing or extra field compared with msgs.ts. */
export const MESSAGE_SCHEMA: Schema = {
  'builtin_interfaces/msg/Time': { sec: 'int32', nanosec: 'uint32' },
  'builtin_interfaces/msg/Duration': { sec: 'int32', nanosec: 'uint32' },
  'std_msgs/msg/Header': { stamp: TIME, frame_id: 'string' },
  'std_msgs/msg/Empty': {},
  'std_msgs/msg/Bool': { data: 'bool' },
  'std_msgs/msg/String': { data: 'string' },
  'std_msgs/msg/Float32': { data: 'float32' },
  'std_msgs/msg/Float64': { data: 'float64' },
  'std_msgs/msg/MultiArrayDimension': { label: 'string', size: 'uint32', stride: 'uint32' },
  'std_msgs/msg/MultiArrayLayout': { dim: 'std_msgs/msg/MultiArrayDimension[]', data_offset: 'uint32' },
  'std_msgs/msg/Float32MultiArray': { layout: 'std_msgs/msg/MultiArrayLayout', data: 'float32[]' },
  'std_msgs/msg/Float64MultiArray': { layout: 'std_msgs/msg/MultiArrayLayout', data: 'float64[]' },
  'std_msgs/msg/ColorRGBA': { r: 'float32', g: 'float32', b: 'float32', a: 'float32' },
  'geometry_msgs/msg/Vector3': { x: 'float64', y: 'float64', z: 'float64' },
  'geometry_msgs/msg/Point': { x: 'float64', y: 'float64', z: 'float64' },
  'geometry_msgs/msg/Quaternion': { x: 'float64', y: 'float64', z: 'float64', w: 'float64=1' },
  'geometry_msgs/msg/Pose': { position: POINT, orientation: QUATERNION },
  'geometry_msgs/msg/PoseStamped': { header: HEADER, pose: POSE },
  'geometry_msgs/msg/PoseWithCovariance': { pose: POSE, covariance: 'float64[36]' },
  'geometry_msgs/msg/PoseWithCovarianceStamped': {
    header: HEADER,
    pose: 'geometry_msgs/msg/PoseWithCovariance',
  },
  'geometry_msgs/msg/Twist': { linear: VECTOR3, angular: VECTOR3 },
  'geometry_msgs/msg/TwistStamped': { header: HEADER, twist: 'geometry_msgs/msg/Twist' },
  'geometry_msgs/msg/TwistWithCovariance': { twist: 'geometry_msgs/msg/Twist', covariance: 'float64[36]' },
  'geometry_msgs/msg/Vector3Stamped': { header: HEADER, vector: VECTOR3 },
  'geometry_msgs/msg/Accel': { linear: VECTOR3, angular: VECTOR3 },
  'geometry_msgs/msg/AccelStamped': { header: HEADER, accel: 'geometry_msgs/msg/Accel' },
  'geometry_msgs/msg/Wrench': { force: VECTOR3, torque: VECTOR3 },
  'geometry_msgs/msg/WrenchStamped': { header: HEADER, wrench: 'geometry_msgs/msg/Wrench' },
  'geometry_msgs/msg/Transform': { translation: VECTOR3, rotation: QUATERNION },
  'geometry_msgs/msg/TransformStamped': {
    header: HEADER,
    child_frame_id: 'string',
    transform: 'geometry_msgs/msg/Transform',
  },
  'tf2_msgs/msg/TFMessage': { transforms: 'geometry_msgs/msg/TransformStamped[]' },
  'nav_msgs/msg/Odometry': {
    header: HEADER,
    child_frame_id: 'string',
    pose: 'geometry_msgs/msg/PoseWithCovariance',
    twist: 'geometry_msgs/msg/TwistWithCovariance',
  },
  'nav_msgs/msg/Path': { header: HEADER, poses: 'geometry_msgs/msg/PoseStamped[]' },
  'nav_msgs/msg/MapMetaData': {
    map_load_time: TIME,
    resolution: 'float32',
    width: 'uint32',
    height: 'uint32',
    origin: POSE,
  },
  'nav_msgs/msg/OccupancyGrid': { header: HEADER, info: 'nav_msgs/msg/MapMetaData', data: 'int8[]' },
  'sensor_msgs/msg/JointState': {
    header: HEADER,
    name: 'string[]',
    position: 'float64[]',
    velocity: 'float64[]',
    effort: 'float64[]',
  },
  'sensor_msgs/msg/CompressedImage': { header: HEADER, format: 'string', data: 'uint8[]' },
  'trajectory_msgs/msg/JointTrajectoryPoint': {
    positions: 'float64[]',
    velocities: 'float64[]',
    accelerations: 'float64[]',
    effort: 'float64[]',
    time_from_start: DURATION,
  },
  'trajectory_msgs/msg/JointTrajectory': {
    header: HEADER,
    joint_names: 'string[]',
    points: 'trajectory_msgs/msg/JointTrajectoryPoint[]',
  },
  'visualization_msgs/msg/UVCoordinate': { u: 'float32', v: 'float32' },
  'visualization_msgs/msg/MeshFile': { filename: 'string', data: 'uint8[]' },
  'visualization_msgs/msg/Marker': {
    header: HEADER,
    ns: 'string',
    id: 'int32',
    type: 'int32',
    action: 'int32',
    pose: POSE,
    scale: VECTOR3,
    color: 'std_msgs/msg/ColorRGBA',
    lifetime: DURATION,
    frame_locked: 'bool',
    points: 'geometry_msgs/msg/Point[]',
    colors: 'std_msgs/msg/ColorRGBA[]',
    texture_resource: 'string',
    texture: 'sensor_msgs/msg/CompressedImage',
    uv_coordinates: 'visualization_msgs/msg/UVCoordinate[]',
    text: 'string',
    mesh_resource: 'string',
    mesh_file: 'visualization_msgs/msg/MeshFile',
    mesh_use_embedded_materials: 'bool',
  },
  'visualization_msgs/msg/MarkerArray': { markers: 'visualization_msgs/msg/Marker[]' },
  'diagnostic_msgs/msg/KeyValue': { key: 'string', value: 'string' },
  'diagnostic_msgs/msg/DiagnosticStatus': {
    level: 'byte',
    name: 'string',
    message: 'string',
    hardware_id: 'string',
    values: 'diagnostic_msgs/msg/KeyValue[]',
  },
  'diagnostic_msgs/msg/DiagnosticArray': { header: HEADER, status: 'diagnostic_msgs/msg/DiagnosticStatus[]' },
  'rosgraph_msgs/msg/Clock': { clock: TIME },
};

type NumericKind =
  | 'float64'
  | 'float32'
  | 'int8'
  | 'uint8'
  | 'byte'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32';
type TypedArrayCtor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor;

const INT_RANGE: Record<Exclude<NumericKind, 'float64' | 'float32'>, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  byte: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

const TYPED_ARRAY: Record<NumericKind, TypedArrayCtor> = {
  float64: Float64Array,
  float32: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  byte: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

/** One parsed field. */
export type Field =
  | { readonly name: string; readonly kind: 'number'; readonly prim: NumericKind; readonly def: number }
  | { readonly name: string; readonly kind: 'bool' }
  | { readonly name: string; readonly kind: 'string' }
  | { readonly name: string; readonly kind: 'numbers'; readonly prim: NumericKind; readonly size?: number }
  | { readonly name: string; readonly kind: 'strings' }
  | { readonly name: string; readonly kind: 'msg'; readonly type: TypeName }
  | { readonly name: string; readonly kind: 'msgs'; readonly type: TypeName };

function isNumericKind(s: string): s is NumericKind {
  return s in TYPED_ARRAY;
}

function isTypeName(s: string): s is TypeName {
  return Object.hasOwn(MESSAGE_SCHEMA, s);
}

function parseField(owner: string, name: string, spec: string): Field {
  const m = /^([\w/]+?)(?:\[(\d*)\])?(?:=(.+))?$/.exec(spec);
  if (!m) throw new TransportError(`message schema ${owner}.${name}: cannot parse field spec '${spec}'`);
  const base = m[1]!;
  const isArray = m[2] !== undefined;
  const size = m[2] ? Number(m[2]) : undefined;
  if (base === 'bool' && !isArray) return { name, kind: 'bool' };
  if (base === 'string') return isArray ? { name, kind: 'strings' } : { name, kind: 'string' };
  if (isNumericKind(base)) {
    if (isArray)
      return size === undefined
        ? { name, kind: 'numbers', prim: base }
        : { name, kind: 'numbers', prim: base, size };
    return { name, kind: 'number', prim: base, def: m[3] === undefined ? 0 : Number(m[3]) };
  }
  if (isTypeName(base))
    return isArray ? { name, kind: 'msgs', type: base } : { name, kind: 'msg', type: base };
  throw new TransportError(`message schema ${owner}.${name}: unknown field type '${base}'`);
}

const FIELDS = new Map<TypeName, readonly Field[]>();

/** The parsed fields of a message type, in .msg order. */
export function messageFields(type: TypeName): readonly Field[] {
  let fields = FIELDS.get(type);
  if (!fields) {
    const table = MESSAGE_SCHEMA[type] as Record<string, string>;
    fields = Object.entries(table).map(([name, spec]) => parseField(type, name, spec));
    FIELDS.set(type, fields);
  }
  return fields;
}

/** True for a type string this transport knows (a key of `MsgMap`). */
export function isKnownType(type: string): type is TypeName {
  return isTypeName(type);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

function fail(root: TypeName, path: string, expected: string, value: unknown): never {
  throw new TransportError(
    `${root}: field '${path}' expects ${expected}, got ${describe(value)}; fix the message (ROS field names and types, see src/transport/msgs.ts)`,
  );
}

function checkNumber(root: TypeName, path: string, prim: NumericKind, v: unknown): number {
  if (typeof v !== 'number') fail(root, path, prim, v);
  if (prim === 'float64') return v;
  if (prim === 'float32') return Math.fround(v);
  const [lo, hi] = INT_RANGE[prim];
  if (!Number.isInteger(v) || v < lo || v > hi) fail(root, path, `an integer ${prim} in [${lo}, ${hi}]`, v);
  return v;
}

function numbers(root: TypeName, path: string, f: Extract<Field, { kind: 'numbers' }>, v: unknown) {
  const Ctor = TYPED_ARRAY[f.prim];
  let out: ArrayLike<number> & { length: number };
  if (v === undefined) {
    out = new Ctor(f.size ?? 0);
  } else if (v instanceof Ctor) {
    out = v.slice();
  } else if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const src = v as ArrayLike<unknown>;
    const arr = new Ctor(src.length);
    for (let i = 0; i < src.length; i++) arr[i] = checkNumber(root, `${path}[${i}]`, f.prim, src[i]);
    out = arr;
  } else {
    return fail(root, path, `${f.prim}[] (an array or typed array)`, v);
  }
  // Sizes as rclnodejs 2.2.0 checks them at publish: only a fixed-size array's setter compares the length
  // (rosidl_gen/templates/message-template.cjs:879-883, a RangeError thrown from Publisher.publish through
  // `new TypeClass(msg)`, lib/publisher.js:74-78, and message_translator.cjs:33/48); a variable-length array is
  // copied at any length (`fill`, message-template.cjs:939-965), so its size is the subscriber's to check.
  if (f.size !== undefined && out.length !== f.size) fail(root, path, `exactly ${f.size} elements`, v);
  return out;
}

function build(root: TypeName, type: TypeName, input: unknown, prefix: string): Record<string, unknown> {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    fail(root, prefix || '(message)', `a ${type} object`, input);
  }
  const src = (input ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of messageFields(type)) {
    const v = src[f.name];
    const path = prefix ? `${prefix}.${f.name}` : f.name;
    switch (f.kind) {
      case 'number':
        out[f.name] = v === undefined ? f.def : checkNumber(root, path, f.prim, v);
        break;
      case 'bool':
        if (v !== undefined && typeof v !== 'boolean') fail(root, path, 'a boolean', v);
        out[f.name] = v ?? false;
        break;
      case 'string':
        if (v !== undefined && typeof v !== 'string') fail(root, path, 'a string', v);
        out[f.name] = v ?? '';
        break;
      case 'numbers':
        out[f.name] = numbers(root, path, f, v);
        break;
      case 'strings': {
        if (v !== undefined && !Array.isArray(v)) fail(root, path, 'a string array', v);
        const arr = (v ?? []) as unknown[];
        out[f.name] = arr.map((s, i) =>
          typeof s === 'string' ? s : fail(root, `${path}[${i}]`, 'a string', s),
        );
        break;
      }
      case 'msg':
        out[f.name] = build(root, f.type, v, path);
        break;
      case 'msgs': {
        if (v !== undefined && !Array.isArray(v)) fail(root, path, `an array of ${f.type}`, v);
        const arr = (v ?? []) as unknown[];
        out[f.name] = arr.map((m, i) => build(root, f.type, m, `${path}[${i}]`));
        break;
      }
    }
  }
  return out;
}

/**
 * The complete, independent message a subscriber receives for `input` (see the file comment).
 * Throws TransportError for an unknown type or a field of the wrong kind.
 */
export function normalizeMessage<T extends TypeName>(type: T, input: unknown): MsgMap[T] {
  if (!isTypeName(type)) {
    throw new TransportError(
      `unknown message type '${String(type)}': the transport knows ${Object.keys(MESSAGE_SCHEMA).length} types (MsgMap in src/transport/msgs.ts); add the type there and in message-schema.ts`,
    );
  }
  return build(type, type, input, '') as unknown as MsgMap[T];
}

/** A message of `type` with every field at its default. */
export function defaultMessage<T extends TypeName>(type: T): MsgMap[T] {
  return normalizeMessage(type, {});
}
