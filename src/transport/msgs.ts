/**
 * Message shapes, ROS field names, in the form rclnodejs delivers them on receive (docs/ros2.md §1.5):
 * - float64[] → `Float64Array`, float32[] → `Float32Array`, int8[] → `Int8Array`, uint8[] → `Uint8Array`
 *   (fixed-size arrays such as `covariance[36]` too); string[] and message arrays are plain arrays;
 * - every integer and float field that is not int64/uint64 is a `number` (none of these types has an int64);
 * - `builtin_interfaces/msg/Time` and `Duration` are `{ sec, nanosec }` numbers, not bigint.
 *
 * Publishing takes `MsgInput<M>`: any subset of the fields (rclnodejs fills defaults: 0, '', false, empty arrays,
 * zeroed nested messages) with numeric arrays as any `ArrayLike<number>`.
 *
 * The field schema used to fill defaults and convert arrays lives in message-schema.ts; keep both in step with
 * the ROS `.msg` definitions (Humble/Jazzy).
 */

// builtin_interfaces
export interface Time {
  sec: number;
  nanosec: number;
}
export interface Duration {
  sec: number;
  nanosec: number;
}

// std_msgs
export interface Header {
  stamp: Time;
  frame_id: string;
}
export type Empty = Record<string, never>;
export interface Bool {
  data: boolean;
}
export interface StringMsg {
  data: string;
}
export interface Float32 {
  data: number;
}
export interface Float64 {
  data: number;
}
export interface MultiArrayDimension {
  label: string;
  size: number;
  stride: number;
}
export interface MultiArrayLayout {
  dim: MultiArrayDimension[];
  data_offset: number;
}
/** Row-major; for a plan `dim[0].size = H`, `dim[1].size = action_dim`. */
export interface Float32MultiArray {
  layout: MultiArrayLayout;
  data: Float32Array;
}
export interface Float64MultiArray {
  layout: MultiArrayLayout;
  data: Float64Array;
}
/** float32 r, g, b, a in [0, 1]. */
export interface ColorRGBA {
  r: number;
  g: number;
  b: number;
  a: number;
}

// geometry_msgs
export interface Vector3 {
  x: number;
  y: number;
  z: number;
}
export interface Point {
  x: number;
  y: number;
  z: number;
}
export interface Quaternion {
  x: number;
  y: number;
  z: number;
  /** Default 1 (identity), as in the .msg definition since Foxy. */
  w: number;
}
export interface Pose {
  position: Point;
  orientation: Quaternion;
}
export interface PoseStamped {
  header: Header;
  pose: Pose;
}
export interface PoseWithCovariance {
  pose: Pose;
  /** float64[36], row-major 6×6 (x, y, z, rot x, rot y, rot z). */
  covariance: Float64Array;
}
export interface PoseWithCovarianceStamped {
  header: Header;
  pose: PoseWithCovariance;
}
export interface Twist {
  linear: Vector3;
  angular: Vector3;
}
export interface TwistStamped {
  header: Header;
  twist: Twist;
}
export interface TwistWithCovariance {
  twist: Twist;
  covariance: Float64Array;
}
export interface Vector3Stamped {
  header: Header;
  vector: Vector3;
}
export interface Accel {
  linear: Vector3;
  angular: Vector3;
}
/** A 2-D point-mass command as an acceleration (`cmd_accel`); see docs/ros2.md §3.1: never put forces on cmd_vel. */
export interface AccelStamped {
  header: Header;
  accel: Accel;
}
export interface Wrench {
  force: Vector3;
  torque: Vector3;
}
/** A 2-D point-mass command as a force (D4RL point-maze actuates a 2-D force). */
export interface WrenchStamped {
  header: Header;
  wrench: Wrench;
}
export interface Transform {
  translation: Vector3;
  rotation: Quaternion;
}
export interface TransformStamped {
  header: Header;
  child_frame_id: string;
  transform: Transform;
}

// tf2_msgs
export interface TFMessage {
  transforms: TransformStamped[];
}

// nav_msgs
export interface Odometry {
  header: Header;
  child_frame_id: string;
  pose: PoseWithCovariance;
  twist: TwistWithCovariance;
}
export interface Path {
  header: Header;
  poses: PoseStamped[];
}
export interface MapMetaData {
  map_load_time: Time;
  /** m/cell (float32). */
  resolution: number;
  width: number;
  height: number;
  origin: Pose;
}
/** Row-major, starting at (0, 0); values 0–100 occupancy, −1 unknown. */
export interface OccupancyGrid {
  header: Header;
  info: MapMetaData;
  data: Int8Array;
}

// sensor_msgs
export interface JointState {
  header: Header;
  name: string[];
  position: Float64Array;
  velocity: Float64Array;
  effort: Float64Array;
}

/** A compressed image (a Marker's texture). */
export interface CompressedImage {
  header: Header;
  /** e.g. `jpeg`, `png`. */
  format: string;
  data: Uint8Array;
}

// trajectory_msgs
export interface JointTrajectoryPoint {
  positions: Float64Array;
  velocities: Float64Array;
  accelerations: Float64Array;
  effort: Float64Array;
  time_from_start: Duration;
}
export interface JointTrajectory {
  header: Header;
  joint_names: string[];
  points: JointTrajectoryPoint[];
}

// visualization_msgs
/** Texture coordinates of a Marker point. */
export interface UVCoordinate {
  u: number;
  v: number;
}
/** A mesh embedded in a Marker (MESH_RESOURCE with `embed://` resources). */
export interface MeshFile {
  filename: string;
  data: Uint8Array;
}
export interface Marker {
  header: Header;
  ns: string;
  id: number;
  /** ARROW 0, CUBE 1, SPHERE 2, CYLINDER 3, LINE_STRIP 4, LINE_LIST 5, … (MARKER_TYPE). */
  type: number;
  /** ADD/MODIFY 0, DELETE 2, DELETEALL 3 (MARKER_ACTION). */
  action: number;
  pose: Pose;
  scale: Vector3;
  color: ColorRGBA;
  lifetime: Duration;
  frame_locked: boolean;
  points: Point[];
  colors: ColorRGBA[];
  texture_resource: string;
  texture: CompressedImage;
  uv_coordinates: UVCoordinate[];
  text: string;
  mesh_resource: string;
  mesh_file: MeshFile;
  mesh_use_embedded_materials: boolean;
}
export interface MarkerArray {
  markers: Marker[];
}

export const MARKER_TYPE = {
  ARROW: 0,
  CUBE: 1,
  SPHERE: 2,
  CYLINDER: 3,
  LINE_STRIP: 4,
  LINE_LIST: 5,
  CUBE_LIST: 6,
  SPHERE_LIST: 7,
  POINTS: 8,
  TEXT_VIEW_FACING: 9,
  MESH_RESOURCE: 10,
  TRIANGLE_LIST: 11,
} as const;
export const MARKER_ACTION = { ADD: 0, MODIFY: 0, DELETE: 2, DELETEALL: 3 } as const;

// diagnostic_msgs
export interface KeyValue {
  key: string;
  value: string;
}
export interface DiagnosticStatus {
  /** byte: OK 0, WARN 1, ERROR 2, STALE 3 (DIAGNOSTIC_LEVEL). */
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}
export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}
export const DIAGNOSTIC_LEVEL = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;

// rosgraph_msgs
export interface Clock {
  clock: Time;
}

/** Interface type string → received shape. Every type here has a field schema in message-schema.ts. */
export interface MsgMap {
  'builtin_interfaces/msg/Time': Time;
  'builtin_interfaces/msg/Duration': Duration;
  'std_msgs/msg/Header': Header;
  'std_msgs/msg/Empty': Empty;
  'std_msgs/msg/Bool': Bool;
  'std_msgs/msg/String': StringMsg;
  'std_msgs/msg/Float32': Float32;
  'std_msgs/msg/Float64': Float64;
  'std_msgs/msg/MultiArrayDimension': MultiArrayDimension;
  'std_msgs/msg/MultiArrayLayout': MultiArrayLayout;
  'std_msgs/msg/Float32MultiArray': Float32MultiArray;
  'std_msgs/msg/Float64MultiArray': Float64MultiArray;
  'std_msgs/msg/ColorRGBA': ColorRGBA;
  'geometry_msgs/msg/Vector3': Vector3;
  'geometry_msgs/msg/Point': Point;
  'geometry_msgs/msg/Quaternion': Quaternion;
  'geometry_msgs/msg/Pose': Pose;
  'geometry_msgs/msg/PoseStamped': PoseStamped;
  'geometry_msgs/msg/PoseWithCovariance': PoseWithCovariance;
  'geometry_msgs/msg/PoseWithCovarianceStamped': PoseWithCovarianceStamped;
  'geometry_msgs/msg/Twist': Twist;
  'geometry_msgs/msg/TwistStamped': TwistStamped;
  'geometry_msgs/msg/TwistWithCovariance': TwistWithCovariance;
  'geometry_msgs/msg/Vector3Stamped': Vector3Stamped;
  'geometry_msgs/msg/Accel': Accel;
  'geometry_msgs/msg/AccelStamped': AccelStamped;
  'geometry_msgs/msg/Wrench': Wrench;
  'geometry_msgs/msg/WrenchStamped': WrenchStamped;
  'geometry_msgs/msg/Transform': Transform;
  'geometry_msgs/msg/TransformStamped': TransformStamped;
  'tf2_msgs/msg/TFMessage': TFMessage;
  'nav_msgs/msg/Odometry': Odometry;
  'nav_msgs/msg/Path': Path;
  'nav_msgs/msg/MapMetaData': MapMetaData;
  'nav_msgs/msg/OccupancyGrid': OccupancyGrid;
  'sensor_msgs/msg/JointState': JointState;
  'sensor_msgs/msg/CompressedImage': CompressedImage;
  'trajectory_msgs/msg/JointTrajectoryPoint': JointTrajectoryPoint;
  'trajectory_msgs/msg/JointTrajectory': JointTrajectory;
  'visualization_msgs/msg/UVCoordinate': UVCoordinate;
  'visualization_msgs/msg/MeshFile': MeshFile;
  'visualization_msgs/msg/Marker': Marker;
  'visualization_msgs/msg/MarkerArray': MarkerArray;
  'diagnostic_msgs/msg/KeyValue': KeyValue;
  'diagnostic_msgs/msg/DiagnosticStatus': DiagnosticStatus;
  'diagnostic_msgs/msg/DiagnosticArray': DiagnosticArray;
  'rosgraph_msgs/msg/Clock': Clock;
}

type NumericArray = Float64Array | Float32Array | Int8Array | Uint8Array | Int32Array | Uint32Array;

/**
 * What a publisher accepts: every field optional (defaults are filled), numeric arrays as any `ArrayLike<number>`,
 * nested messages and message arrays likewise. Object literals still get excess-property checks, so a misspelt
 * field is a compile error.
 */
export type MsgInput<M> = M extends NumericArray
  ? ArrayLike<number>
  : M extends readonly (infer E)[]
    ? readonly MsgInput<E>[]
    : M extends object
      ? { [K in keyof M]?: MsgInput<M[K]> }
      : M;

const NS_PER_S = 1_000_000_000n;

/** Convert a time in ns to `builtin_interfaces/msg/Time` (nanosec always in [0, 1e9), as ROS normalises it). */
export function timeFromNs(ns: bigint): Time {
  let sec = ns / NS_PER_S;
  if (ns - sec * NS_PER_S < 0n) sec -= 1n;
  return { sec: Number(sec), nanosec: Number(ns - sec * NS_PER_S) };
}

/** Convert `builtin_interfaces/msg/Time` (or Duration) to ns. */
export function nsFromTime(t: Time | Duration): bigint {
  return BigInt(t.sec) * NS_PER_S + BigInt(t.nanosec);
}
