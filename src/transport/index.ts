/**
 * Public surface of src/transport (other folders import only this file). See types.ts for the contract.
 *
 *   const bus = createBus();                                   // virtual time (tests); { time: 'real' } for demos
 *   const node = bus.node('planner', '/robot1', argv);         // → Transport
 *   const t = await createTransport('ros', 'planner', argv);   // real ROS 2 (rclnodejs loaded dynamically)
 *
 * Message shapes (msgs.ts) use ROS field names; `normalizeMessage` fills defaults / converts arrays as rclnodejs.
 */
import { TransportError } from '../errors.js';
import type { Logger } from '../logging.js';
import { createBus } from './bus/create-bus.js';
import type { Bus, Transport, TransportKind } from './types.js';

export { QOS_PROFILES } from './bus/bus-core.js';
export { type BusOptions, createBus } from './bus/create-bus.js';
export { defaultMessage, isKnownType, normalizeMessage } from './message-schema.js';
export * from './msgs.js';
export { expandTopicName, fullyQualifiedName, resolveTopicName } from './names.js';
export { finalNodeName, overridesForNode, overrideValue } from './param-overrides.js';
export type { RosTransportOptions } from './rcl/create-ros-transport.js';
export { parseRosArgs, type RosArgs } from './ros-args.js';
export * from './types.js';

export interface CreateTransportOptions {
  /** `bus`: the bus to join (default: a new real-time bus holding only this node). */
  readonly bus?: Bus;
  /** Namespace (argv `-r __ns:=` wins). */
  readonly namespace?: string;
  /** `bus` without `bus`: where the new bus logs (default stderr). */
  readonly logger?: Logger;
  /** `ros`: install SIGINT/SIGTERM handlers (default true); see rcl/create-ros-transport.ts. */
  readonly handleSignals?: boolean;
  /**
   * `ros`: create a managed (lifecycle) node; rclnodejs decides that at construction. The bus becomes managed
   * when `lifecycle()` is called, so it ignores this.
   */
  readonly managed?: boolean;
}

/**
 * A node transport of the given kind. `ros` checks for a sourced ROS 2 and loads rclnodejs by dynamic import
 * (TransportError with the fix when it cannot); `bus` never touches rclnodejs.
 */
export async function createTransport(
  kind: TransportKind,
  name: string,
  argv: readonly string[],
  options: CreateTransportOptions = {},
): Promise<Transport> {
  if (kind === 'bus') {
    const bus =
      options.bus ?? createBus({ time: 'real', ...(options.logger ? { logger: options.logger } : {}) });
    return bus.node(name, options.namespace ?? '', argv);
  }
  if (kind === 'ros') {
    const { createRosTransport } = await import('./rcl/create-ros-transport.js');
    return createRosTransport(name, argv, {
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.handleSignals !== undefined ? { handleSignals: options.handleSignals } : {}),
      ...(options.managed !== undefined ? { managed: options.managed } : {}),
    });
  }
  throw new TransportError(`unknown transport '${String(kind)}': use 'bus' or 'ros'`);
}
