/**
 * The transport contract the planner node depends on (docs/ros2.md §5.1). Two implementations: the in-process rxjs
 * bus (`bus/`, tests, sims, demo) and the rclnodejs adapter (`rcl/`, real ROS 2, loaded only by dynamic import).
 * Nothing outside `src/transport/rcl/` ever sees rclnodejs.
 *
 * Conventions shared by both implementations:
 * - Topic strings are ROS names, resolved by the transport: `x` → `/ns/x`, `~/x` → `/ns/node/x`, `/x` unchanged,
 *   then argv remaps (`--ros-args -r from:=to`, `-r __node:=n`, `-r __ns:=/ns`).
 * - Message shapes use ROS field names (msgs.ts). Publishing takes a partial plain object (defaults are filled,
 *   unknown fields dropped, numeric arrays may be any `ArrayLike<number>`); receiving yields complete messages with
 *   `Float64Array`/`Float32Array`/… for numeric arrays, exactly as rclnodejs delivers them.
 * - Delivery is asynchronous: a publish never runs a subscriber callback inside the publish call.
 * - Integer parameters are plain `number`s (the ROS adapter converts from bigint). Because a JS number cannot tell
 *   int from double, every declaration carries its type, and an integer override for a `double` parameter is
 *   refused (as rclnodejs does with an explicit descriptor: write `20.0`, not `20`).
 *
 * Additions to docs/ros2.md §5.1, kept small: `name`/`namespace`/`resolve`; `param`/`setParams` (read and change own
 * parameters through the same checks as an external `ros2 param set`) and `onParamChanged` (post-set listener:
 * how a node learns an accepted dynamic change); `transition`/`lifecycleState` (drive the managed-node state
 * machine locally, like rclnodejs `LifecycleNode.configure()`); `onShutdown` (close/SIGINT hooks for plain nodes);
 * and on the bus `idle()`, `run()` and `close()`. `ParamValue` arrays are readonly.
 */
import type { Observable } from 'rxjs';
import type { ParamSpec, ParamValue } from '../params/types.js';
import type { MsgInput, MsgMap } from './msgs.js';

/** A ROS interface type string, e.g. `'nav_msgs/msg/Odometry'`. */
export type TypeName = keyof MsgMap;

/**
 * QoS by intent (mapping in the ROS adapter):
 * - `sensor`  → `QoS.profileSensorData` (best effort, keep-last 5, volatile). Subscribe state with this.
 * - `command` → reliable, keep-last 1, volatile.
 * - `latched` → reliable, keep-last 1, transient-local (late subscribers get the last message).
 * - `default` → `QoS.profileDefault` (reliable, keep-last 10, volatile).
 */
export type QosName = 'sensor' | 'command' | 'latched' | 'default';

export const QOS_NAMES: readonly QosName[] = ['sensor', 'command', 'latched', 'default'];

/** A received message and its receive time on the node's ROS clock (sim time when `use_sim_time`). */
export interface Received<T> {
  readonly msg: T;
  readonly recvNs: bigint;
}

export type { ParamSpec, ParamType, ParamValue } from '../params/types.js';
export { PARAM_TYPES } from '../params/types.js';

export type LifecycleHook = 'configure' | 'activate' | 'deactivate' | 'cleanup' | 'shutdown';

/** Primary states of a managed node, with the lifecycle_msgs/msg/State ids. */
export type LifecycleState = 'unconfigured' | 'inactive' | 'active' | 'finalized';

export const LIFECYCLE_STATE_IDS: Readonly<Record<LifecycleState, number>> = {
  unconfigured: 1,
  inactive: 2,
  active: 3,
  finalized: 4,
};

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type ClockKind = 'ros' | 'steady';

export interface TimerHandle {
  cancel(): void;
}

/** Returned by an `onParamSet` check: a veto reason, or null to accept. */
export type ParamCheck = (changes: Readonly<Record<string, ParamValue>>) => string | null;

export interface Transport {
  /** Fully qualified node name after remaps, e.g. `/robot1/planner`. */
  readonly fqn: string;
  /** Node name and namespace after remaps (`planner`, `/robot1`). */
  readonly name: string;
  readonly namespace: string;
  /** Resolve a topic name the way this node does (`~/plan` → `/robot1/planner/plan`, remaps applied). */
  resolve(topic: string): string;
  /** Current time on the node's ROS clock in ns (sim time from `/clock` when `use_sim_time` is true). */
  nowNs(): bigint;
  /** Create a publisher. The returned function copies the message (the caller may reuse its object). */
  advertise<T extends TypeName>(type: T, topic: string, qos: QosName): (msg: MsgInput<MsgMap[T]>) => void;
  /** Subscribe. Hot: messages published before subscribing are not seen, except with `latched` QoS. */
  observe<T extends TypeName>(type: T, topic: string, qos: QosName): Observable<Received<MsgMap[T]>>;
  /** Periodic timer; `ros` (default) follows sim time when `use_sim_time`, `steady` never does. */
  every(periodNs: bigint, tick: () => void, clock?: ClockKind): TimerHandle;
  /** Declare a parameter; returns its value after argv / params-file overrides. Throws ConfigError if invalid. */
  declare(name: string, spec: ParamSpec): ParamValue;
  /** Current value of a declared parameter. Throws ConfigError for an undeclared name. */
  param(name: string): ParamValue;
  /**
   * Change declared parameters atomically through the same checks as an external `ros2 param set`
   * (type, range, choices, read-only, then every `onParamSet` check). Returns null, or the refusal reason.
   */
  setParams(changes: Readonly<Record<string, ParamValue>>): string | null;
  /** Add a check run before any parameter change is accepted (declare overrides included). */
  onParamSet(check: ParamCheck): void;
  /** Called after a runtime change was accepted (not on declare), with the new values (ROS post-set callback). */
  onParamChanged(listener: (changes: Readonly<Record<string, ParamValue>>) => void): void;
  /**
   * Make this a managed node: it starts `unconfigured`, and its publishers drop messages unless `active`.
   * A hook returns false to fail the transition. Call before `start()`.
   */
  lifecycle(hooks: Partial<Record<LifecycleHook, () => boolean>>): void;
  /** Trigger a lifecycle transition locally (as `ros2 lifecycle set` would). Returns whether it succeeded. */
  transition(hook: LifecycleHook): boolean;
  /** `active` for a plain (unmanaged) node until closed. */
  lifecycleState(): LifecycleState;
  /** Run on close / SIGINT before entities are destroyed, while publishers still work (zero command here). */
  onShutdown(hook: () => void): void;
  log(level: LogLevel, text: string): void;
  /** Begin delivery and timers (ROS: spin). Publishing before `start()` is allowed; messages are queued. */
  start(): void;
  /** Runs the lifecycle `shutdown` hook and `onShutdown` hooks first, then destroys every entity. Idempotent. */
  close(): Promise<void>;
}

export interface BusClock {
  /** `virtual`: time moves only through `advance`; `real`: wall-clock time and timers. */
  readonly mode: 'virtual' | 'real';
  nowNs(): bigint;
  /** Virtual mode: move time forward by `ns`, firing due timers in time order (synchronously). */
  advance(ns: bigint): void;
}

/** One published message as a bus tap sees it. `msg` is complete (normalised) and shared: never mutate it. */
export interface BusTapEvent {
  readonly topic: string;
  readonly type: TypeName;
  /** The publisher's QoS (a recorder stores it so that playback offers the same). */
  readonly qos: { readonly reliable: boolean; readonly transientLocal: boolean; readonly depth: number };
  readonly msg: unknown;
  /** Bus clock time of the publish, ns. */
  readonly stampNs: bigint;
}

/** Called synchronously inside every publish: keep it to a push onto a queue and do the work later. */
export type BusTap = (event: BusTapEvent) => void;

export interface Bus {
  node(name: string, ns?: string, argv?: readonly string[]): Transport;
  readonly clock: BusClock;
  /**
   * See every message published on the bus, whatever its QoS and whether or not anyone subscribes (what a
   * recorder needs; an ordinary subscription would match QoS and keep only the last few). Returns `untap`.
   */
  tap(listener: BusTap): () => void;
  /** Resolves once every queued message has been delivered (tests; never needed by nodes). */
  idle(): Promise<void>;
  /** Virtual mode: advance in steps of the next due timer, letting deliveries settle after each firing. */
  run(ns: bigint): Promise<void>;
  /** Closes every node (shutdown hooks first). */
  close(): Promise<void>;
}

export type TransportKind = 'bus' | 'ros';

/** Creates a node transport from a node name and argv (`--ros-args …` is parsed by the transport). */
export type TransportFactory = (name: string, argv: readonly string[]) => Promise<Transport>;
