/**
 * The part of rclnodejs 2.2.0's default export that the adapter uses, written by hand so that `tsc` passes on
 * machines without rclnodejs (docs/ros2.md §1.3, §5.3 T1). `types/rcl-like-check.ts` checks that the real
 * `typeof import('rclnodejs').default` is assignable to `RclLike`, against rclnodejs's own declarations
 * (`npm run typecheck:rclnodejs`; `npm test` runs it too, see types/README.md). The test double is
 * test/transport/fake-rcl.ts (FakeRcl), which follows rclnodejs's behaviour where the adapter depends on it.
 *
 * Enum values are our own numeric constants because rclnodejs's `ParameterType` and `CallbackReturnCode` are
 * ambient `const enum`s, unusable under `isolatedModules` (docs/ros2.md §1.3 quirk 2).
 */

import type { TypeName } from '../types.js';

/** rcl_interfaces/msg/ParameterType. */
export const RCL_PARAM = {
  NOT_SET: 0,
  BOOL: 1,
  INTEGER: 2,
  DOUBLE: 3,
  STRING: 4,
  BYTE_ARRAY: 5,
  BOOL_ARRAY: 6,
  INTEGER_ARRAY: 7,
  DOUBLE_ARRAY: 8,
  STRING_ARRAY: 9,
} as const;

/** lifecycle_msgs/msg/Transition TRANSITION_CALLBACK_*. */
export const RCL_CALLBACK = { SUCCESS: 97, FAILURE: 98, ERROR: 99 } as const;

/** rmw QoS policy values (rclnodejs `QoS.HistoryPolicy` etc.). */
export const RMW_QOS = {
  HISTORY_KEEP_LAST: 1,
  RELIABILITY_RELIABLE: 1,
  RELIABILITY_BEST_EFFORT: 2,
  DURABILITY_TRANSIENT_LOCAL: 1,
  DURABILITY_VOLATILE: 2,
} as const;

/** rclnodejs `ClockType`. */
export const RCL_CLOCK = { ROS_TIME: 1, SYSTEM_TIME: 2, STEADY_TIME: 3 } as const;

export interface RclParameterLike {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

export interface RclRangeLike {
  readonly fromValue: number;
  readonly toValue: number;
  readonly step: number;
  inRange(value: number): boolean;
  isValidType(parameterType: number): boolean;
}

/** What `ros2 param describe` gets (rcl_interfaces/msg/ParameterDescriptor), as far as the adapter sets it. */
export interface RclDescriptorMessageLike {
  name: string;
  type: number;
  description: string;
  additional_constraints: string;
  read_only: boolean;
  floating_point_range?: { from_value: number; to_value: number; step: number }[];
  integer_range?: { from_value: bigint; to_value: bigint; step: bigint }[];
}

export interface RclDescriptorLike {
  readonly name: string;
  readonly type: number;
  additionalConstraints: string;
  validateParameter(parameter: RclParameterLike): void;
  toMessage(): object;
}

export interface RclSetResultLike {
  successful: boolean;
  reason: string;
}

export interface RclQosLike {
  depth: number;
}

/** A rclnodejs `Clock`; opaque, because `createTimer` takes `TimerOptions | Clock` in that position. */
export type RclClockLike = object;

export interface RclTimeLike {
  readonly nanoseconds: bigint;
}

export interface RclTimerLike {
  cancel(): void;
}

export interface RclPublisherLike {
  publish(message: object): void;
}

export interface RclLifecyclePublisherLike extends RclPublisherLike {
  activate(): void;
  deactivate(): void;
}

export interface RclSubscriptionLike {
  readonly topic: string;
}

export interface RclLoggerLike {
  debug(message: string): boolean;
  info(message: string): boolean;
  warn(message: string): boolean;
  error(message: string): boolean;
}

export interface RclPubSubOptions {
  qos?: RclQosLike | string;
  enableTypedArray?: boolean;
}

/**
 * A lifecycle `State`. At runtime it has `id` and `label` (lib/lifecycle.js), but rclnodejs 2.2.0's typings
 * declare neither (they declare an `asMessage()` that lib/lifecycle.js does not define), so it stays opaque
 * and `rclStateId` reads the id with a runtime check.
 */
export type RclStateLike = object;

/** The lifecycle_msgs/msg/State id of a rclnodejs `State` (1 unconfigured, 2 inactive, 3 active, 4 finalized). */
export function rclStateId(state: RclStateLike): number {
  const id = (state as { id?: unknown }).id;
  if (typeof id !== 'number')
    throw new Error(`rclnodejs lifecycle State without a numeric id: ${JSON.stringify(state)}`);
  return id;
}

/**
 * Interface type strings are our `TypeName`s (keys of MsgMap): with rclnodejs's typings each must also be a
 * generated `MessageTypeClassName`, which types/rclnodejs-interfaces.d.ts provides for the T1 check.
 */
export interface RclNodeLike {
  name(): string;
  namespace(): string;
  getFullyQualifiedName(): string;
  resolveTopicName(topic: string): string;
  now(): RclTimeLike;
  getLogger(): RclLoggerLike;
  createPublisher(type: TypeName, topic: string, options?: RclPubSubOptions): RclPublisherLike;
  createSubscription(
    type: TypeName,
    topic: string,
    options: RclPubSubOptions,
    callback: (msg: unknown) => void,
  ): RclSubscriptionLike;
  createTimer(periodNs: bigint, callback: () => void, clock?: RclClockLike | null): RclTimerLike;
  destroyTimer(timer: RclTimerLike): void;
  declareParameter(parameter: RclParameterLike, descriptor?: RclDescriptorLike): RclParameterLike;
  getParameter(name: string): RclParameterLike;
  hasParameter(name: string): boolean;
  getParameterOverrides(): RclParameterLike[];
  setParametersAtomically(parameters: RclParameterLike[]): RclSetResultLike;
  addOnSetParametersCallback(callback: (parameters: RclParameterLike[]) => RclSetResultLike): void;
  addPostSetParametersCallback(callback: (parameters: RclParameterLike[]) => void): void;
  spin(timeoutMs?: number): void;
  stop(): void;
  destroy(): void;
}

/** A managed node (`rcl.lifecycle.LifecycleNode`). */
export interface RclLifecycleNodeLike extends RclNodeLike {
  readonly currentState: RclStateLike;
  registerOnConfigure(cb: (prev: RclStateLike) => number): void;
  registerOnActivate(cb: (prev: RclStateLike) => number): void;
  registerOnDeactivate(cb: (prev: RclStateLike) => number): void;
  registerOnCleanup(cb: (prev: RclStateLike) => number): void;
  registerOnShutdown(cb: (prev: RclStateLike) => number): void;
  configure(): RclStateLike;
  activate(): RclStateLike;
  deactivate(): RclStateLike;
  cleanup(): RclStateLike;
  shutdown(): RclStateLike;
  createLifecyclePublisher(
    type: TypeName,
    topic: string,
    options?: RclPubSubOptions,
  ): RclLifecyclePublisherLike;
}

/** One rcl context per transport, so that each node gets its own argv (LifecycleNode takes no node args). */
export interface RclContextLike {
  isShutdown(): boolean;
}

/**
 * `C` is the module's own Context class: constructor parameters are checked contravariantly, so the context
 * the adapter passes back must be exactly the type `new rcl.Context()` made.
 */
export interface RclLike<C extends RclContextLike = RclContextLike> {
  init(context?: C, argv?: string[]): Promise<void>;
  shutdown(context?: C): void;
  removeSignalHandlers(): void;
  readonly Context: new () => C;
  /** A plain node: what an unmanaged transport uses (no lifecycle state machine, no lifecycle services). */
  readonly Node: new (
    name: string,
    namespace?: string,
    context?: C,
  ) => RclNodeLike;
  readonly lifecycle: {
    readonly LifecycleNode: new (
      name: string,
      namespace?: string,
      context?: C,
      options?: undefined,
      enableCommunicationInterface?: boolean,
    ) => RclLifecycleNodeLike;
  };
  readonly Parameter: new (name: string, type: number, value?: unknown) => RclParameterLike;
  readonly ParameterDescriptor: new (
    name: string,
    type: number,
    description?: string,
    readOnly?: boolean,
    range?: RclRangeLike,
  ) => RclDescriptorLike;
  readonly FloatingPointRange: new (from: number, to: number, step?: number) => RclRangeLike;
  readonly IntegerRange: new (from: bigint, to: bigint, step?: bigint) => RclRangeLike;
  readonly QoS: {
    new (history?: number, depth?: number, reliability?: number, durability?: number): RclQosLike;
    readonly profileDefault: string;
    readonly profileSensorData: string;
  };
  readonly Clock: new (clockType?: number) => RclClockLike;
}
