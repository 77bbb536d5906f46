/**
 * `Transport` on a real rclnodejs node (docs/ros2.md §5.2, left column). Written against `RclLike`, so it never
 * imports rclnodejs; create-ros-transport.ts loads the module and hands it in.
 *
 * Mapping:
 * - node: a plain `rcl.Node` for an unmanaged transport (no lifecycle state machine or services, so
 *   `ros2 lifecycle get` finds nothing, as for any plain node); an `rcl.lifecycle.LifecycleNode` when created
 *   managed. rclnodejs fixes this at construction (lib/lifecycle.js:285-330: the state machine and its services
 *   are made in the constructor), so `managed` is a creation option here; a managed transport's publishers
 *   are lifecycle publishers whether `advertise()` comes before or after `lifecycle()`;
 * - QoS: sensor → `QoS.profileSensorData`; command → reliable keep-last 1 volatile; latched → reliable
 *   keep-last 1 transient-local; default → `QoS.profileDefault`;
 * - topics: names go to rcl untouched (rcl expands `~/`, applies `-r` remaps); publishes pass through
 *   `normalizeMessage` first so a bad field fails the same way as on the bus;
 * - timers: bigint periods; `ros` → the node's ROSClock (follows /clock with use_sim_time), `steady` →
 *   `new rcl.Clock(STEADY_TIME)`;
 * - params: every declare passes an explicit `ParameterDescriptor` (type, description, read-only, range), so
 *   an int override for a double is refused; overrides are checked first with src/params for a clear message;
 *   bigint values come out as numbers; one on-set callback runs the spec checks (type, range, choices) then
 *   `onParamSet` checks and answers `{ successful, reason }`. The descriptor is a subclass (`describedDescriptor`)
 *   because rclnodejs 2.2 gets two things wrong for us: its `toMessage()` reads a `_rangeConstraint` field that
 *   nothing sets (lib/parameter.js:364-376; the constructor stores `_range`, :238), so ranges never reached
 *   `ros2 param describe`; and a type or range refusal of its own `validateParameter` is reported as
 *   "Parameter x does not  readonly" (lib/node.js:2485-2497 swallows the error). Our subclass describes the
 *   range and leaves type and range to the on-set callback, whose reason names the value and the fix;
 * - lifecycle: hooks registered with `registerOn*`, returning SUCCESS/FAILURE (a throw is ERROR for rclnodejs);
 *   lifecycle publishers are activated before the activate hook and deactivated after the deactivate hook;
 * - close: lifecycle shutdown hook, `onShutdown` hooks (zero command), a short flush, then `node.destroy()`.
 */
import { type Observable, Subject } from 'rxjs';
import { ConfigError, TransportError } from '../../errors.js';
import { checkParamSpec, checkParamValue, coerceRawValue, type RawParamValue } from '../../params/index.js';
import { normalizeMessage } from '../message-schema.js';
import type { MsgInput, MsgMap } from '../msgs.js';
import type {
  ClockKind,
  LifecycleHook,
  LifecycleState,
  LogLevel,
  ParamCheck,
  ParamSpec,
  ParamType,
  ParamValue,
  QosName,
  Received,
  TimerHandle,
  Transport,
  TypeName,
} from '../types.js';
import {
  RCL_CALLBACK,
  RCL_CLOCK,
  RCL_PARAM,
  type RclDescriptorLike,
  type RclDescriptorMessageLike,
  type RclLifecycleNodeLike,
  type RclLifecyclePublisherLike,
  type RclLike,
  type RclNodeLike,
  type RclParameterLike,
  type RclPubSubOptions,
  type RclRangeLike,
  type RclSetResultLike,
  type RclTimerLike,
  RMW_QOS,
  rclStateId,
} from './rcl-like.js';

const TYPE_CODE: Readonly<Record<ParamType, number>> = {
  bool: RCL_PARAM.BOOL,
  int: RCL_PARAM.INTEGER,
  double: RCL_PARAM.DOUBLE,
  string: RCL_PARAM.STRING,
  'int[]': RCL_PARAM.INTEGER_ARRAY,
  'double[]': RCL_PARAM.DOUBLE_ARRAY,
  'string[]': RCL_PARAM.STRING_ARRAY,
};

const STATE_BY_ID: Readonly<Record<number, LifecycleState>> = {
  1: 'unconfigured',
  2: 'inactive',
  3: 'active',
  4: 'finalized',
};

/** Map a QoS name to what rclnodejs takes in `options.qos`. */
export function rclQos(rcl: RclLike, qos: QosName): RclPubSubOptions['qos'] {
  switch (qos) {
    case 'sensor':
      return rcl.QoS.profileSensorData;
    case 'command':
      return new rcl.QoS(
        RMW_QOS.HISTORY_KEEP_LAST,
        1,
        RMW_QOS.RELIABILITY_RELIABLE,
        RMW_QOS.DURABILITY_VOLATILE,
      );
    case 'latched':
      return new rcl.QoS(
        RMW_QOS.HISTORY_KEEP_LAST,
        1,
        RMW_QOS.RELIABILITY_RELIABLE,
        RMW_QOS.DURABILITY_TRANSIENT_LOCAL,
      );
    case 'default':
      return rcl.QoS.profileDefault;
    default:
      throw new TransportError(`unknown QoS '${String(qos)}': use sensor, command, latched or default`);
  }
}

/** rclnodejs parameter value → ours (bigint → number). */
export function fromRclValue(value: unknown): ParamValue {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value))
    return Object.freeze(value.map((v) => (typeof v === 'bigint' ? Number(v) : v))) as ParamValue;
  return value as ParamValue;
}

/** Ours → rclnodejs (ints as bigint). */
export function toRclValue(type: ParamType, value: ParamValue): unknown {
  if (type === 'int') return BigInt(value as number);
  if (type === 'int[]') return (value as readonly number[]).map((v) => BigInt(v));
  return Array.isArray(value) ? [...value] : value;
}

/** An override as rcl parsed it → our raw form (int stays bigint, double number), for `coerceRawValue`. */
function rawFromOverride(p: RclParameterLike): RawParamValue {
  const v = p.value;
  if (Array.isArray(v)) return v as RawParamValue;
  return v as RawParamValue;
}

/**
 * A descriptor class for `rcl` whose `toMessage()` carries the range (for `ros2 param describe`) and whose
 * `validateParameter` checks only the name, so that type and range refusals come from our on-set callback with
 * a readable reason instead of rclnodejs's garbled one (see the header).
 */
export function describedDescriptor(rcl: RclLike, spec: ParamSpec) {
  return class DescribedDescriptor extends rcl.ParameterDescriptor {
    override validateParameter(parameter: RclParameterLike): void {
      if (parameter.name !== this.name)
        throw new TransportError(`descriptor ${this.name} checked against parameter ${parameter.name}`);
    }
    override toMessage(): RclDescriptorMessageLike {
      const msg = { ...(super.toMessage() as RclDescriptorMessageLike) };
      delete msg.floating_point_range;
      delete msg.integer_range;
      if (!spec.range) return msg;
      const [from, to] = spec.range;
      if (spec.type === 'int' || spec.type === 'int[]') {
        msg.integer_range = [{ from_value: BigInt(from), to_value: BigInt(to), step: 1n }];
      } else {
        msg.floating_point_range = [{ from_value: from, to_value: to, step: 0 }];
      }
      return msg;
    }
  };
}

/** Why an rcl parameter's type is refused for `spec` (null when it matches). */
function typeProblem(name: string, spec: ParamSpec, p: RclParameterLike): string | null {
  const want = TYPE_CODE[spec.type];
  if (p.type === want) return null;
  if (spec.type === 'double' && p.type === RCL_PARAM.INTEGER)
    return `'${name}' is a double; ${String(p.value)} is an integer (ROS refuses an integer for a double): write ${String(p.value)}.0`;
  if (spec.type === 'double[]' && p.type === RCL_PARAM.INTEGER_ARRAY)
    return `'${name}' is a double[]; the value is an integer array: write the elements with a decimal point (1.0)`;
  const names = Object.entries(TYPE_CODE).find(([, code]) => code === p.type)?.[0] ?? `type ${p.type}`;
  return `'${name}' is a ${spec.type}; the value is a ${names}`;
}

export interface RclTransportOptions {
  /** Delay before destroying the node on close, so the last (zero) command leaves DDS. Default 50 ms. */
  readonly flushMs?: number;
  /** Called after close (e.g. `rcl.shutdown()` when this transport owns the context). */
  readonly afterClose?: () => void;
  /** The node is an `rcl.lifecycle.LifecycleNode` (managed); otherwise a plain `rcl.Node`. Default false. */
  readonly managed?: boolean;
}

export class RclTransport implements Transport {
  readonly fqn: string;
  readonly name: string;
  readonly namespace: string;
  readonly #rcl: RclLike;
  readonly #node: RclNodeLike;
  /** The same node when managed. */
  readonly #managed: RclLifecycleNodeLike | null;
  readonly #specs = new Map<string, ParamSpec>();
  readonly #checks: ParamCheck[] = [];
  readonly #listeners: ((changes: Readonly<Record<string, ParamValue>>) => void)[] = [];
  readonly #lifecyclePubs: RclLifecyclePublisherLike[] = [];
  readonly #timers = new Set<RclTimerLike>();
  readonly #subjects: Subject<never>[] = [];
  readonly #shutdownHooks: (() => void)[] = [];
  readonly #options: RclTransportOptions;
  #hooks: Partial<Record<LifecycleHook, () => boolean>> | undefined;
  #declaring = false;
  #started = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(rcl: RclLike, node: RclNodeLike, options: RclTransportOptions = {}) {
    this.#rcl = rcl;
    this.#node = node;
    this.#managed = options.managed ? (node as RclLifecycleNodeLike) : null;
    this.#options = options;
    this.name = node.name();
    this.namespace = node.namespace() || '/';
    this.fqn = node.getFullyQualifiedName();
    node.addOnSetParametersCallback((ps) => this.#onSet(ps));
    node.addPostSetParametersCallback((ps) => {
      if (this.#declaring) return;
      const changes = this.#changesOf(ps);
      for (const l of this.#listeners) l(changes);
    });
    // rclnodejs declares use_sim_time itself; record its spec so param()/setParams() treat it like ours.
    this.#specs.set('use_sim_time', { type: 'bool', default: false });
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw new TransportError(`${what}: node ${this.fqn} is closed`);
  }

  resolve(topic: string): string {
    return this.#node.resolveTopicName(topic);
  }

  nowNs(): bigint {
    return this.#node.now().nanoseconds;
  }

  log(level: LogLevel, text: string): void {
    const logger = this.#node.getLogger();
    if (level === 'debug') logger.debug(text);
    else if (level === 'info') logger.info(text);
    else if (level === 'warn') logger.warn(text);
    else logger.error(text);
  }

  advertise<T extends TypeName>(type: T, topic: string, qos: QosName): (msg: MsgInput<MsgMap[T]>) => void {
    this.#assertOpen(`advertise '${topic}'`);
    const options: RclPubSubOptions = { qos: rclQos(this.#rcl, qos) };
    if (this.#managed) {
      const pub = this.#managed.createLifecyclePublisher(type, topic, options);
      if (this.lifecycleState() === 'active') pub.activate();
      this.#lifecyclePubs.push(pub);
      return (msg) => pub.publish(normalizeMessage(type, msg) as object);
    }
    const pub = this.#node.createPublisher(type, topic, options);
    return (msg) => {
      if (this.#closed) throw new TransportError(`publish on '${topic}': node ${this.fqn} is closed`);
      pub.publish(normalizeMessage(type, msg) as object);
    };
  }

  observe<T extends TypeName>(type: T, topic: string, qos: QosName): Observable<Received<MsgMap[T]>> {
    this.#assertOpen(`observe '${topic}'`);
    const subject = new Subject<Received<MsgMap[T]>>();
    this.#node.createSubscription(
      type,
      topic,
      { qos: rclQos(this.#rcl, qos), enableTypedArray: true },
      (msg) => subject.next({ msg: msg as MsgMap[T], recvNs: this.nowNs() }),
    );
    this.#subjects.push(subject as unknown as Subject<never>);
    return subject.asObservable();
  }

  every(periodNs: bigint, tick: () => void, clock: ClockKind = 'ros'): TimerHandle {
    this.#assertOpen('every()');
    if (typeof periodNs !== 'bigint' || periodNs <= 0n) {
      throw new TransportError(
        `timer period must be a positive bigint in ns, got ${String(periodNs)} (e.g. 50_000_000n for 20 Hz)`,
      );
    }
    const timer =
      clock === 'steady'
        ? this.#node.createTimer(periodNs, () => tick(), new this.#rcl.Clock(RCL_CLOCK.STEADY_TIME))
        : this.#node.createTimer(periodNs, () => tick());
    this.#timers.add(timer);
    return {
      cancel: () => {
        if (!this.#timers.delete(timer)) return;
        timer.cancel();
        this.#node.destroyTimer(timer);
      },
    };
  }

  // ---- parameters ------------------------------------------------------------------------------------------

  #changesOf(ps: readonly RclParameterLike[]): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const p of ps) out[p.name] = fromRclValue(p.value);
    return out;
  }

  #onSet(ps: RclParameterLike[]): RclSetResultLike {
    const changes = this.#changesOf(ps);
    const problems: string[] = [];
    for (const p of ps) {
      const spec = p.name === 'use_sim_time' ? undefined : this.#specs.get(p.name);
      if (!spec) continue;
      const typeIssue = typeProblem(p.name, spec, p);
      if (typeIssue) problems.push(typeIssue);
      else problems.push(...checkParamValue(p.name, spec, changes[p.name]));
    }
    if (problems.length > 0) return { successful: false, reason: problems.join('; ') };
    for (const check of this.#checks) {
      const reason = check(changes);
      if (reason !== null) return { successful: false, reason };
    }
    return { successful: true, reason: '' };
  }

  declare(name: string, spec: ParamSpec): ParamValue {
    this.#assertOpen(`declare '${name}'`);
    if (this.#specs.has(name) && name !== 'use_sim_time')
      throw new ConfigError(`already declared on ${this.fqn}`, name);
    const specProblems = checkParamSpec(name, spec);
    if (specProblems.length > 0)
      throw new ConfigError(specProblems.map((message) => ({ path: name, message })));
    const override = this.#node.getParameterOverrides().find((p) => p.name === name);
    if (override) {
      const r = coerceRawValue(name, spec, rawFromOverride(override));
      if (!r.ok) throw new ConfigError(r.problems.map((message) => ({ path: name, message })));
    }
    if (name === 'use_sim_time' && this.#node.hasParameter(name)) return this.param(name);
    const code = TYPE_CODE[spec.type];
    let range: RclRangeLike | undefined;
    if (spec.range && (spec.type === 'int' || spec.type === 'int[]')) {
      range = new this.#rcl.IntegerRange(BigInt(spec.range[0]), BigInt(spec.range[1]), 1n);
    } else if (spec.range) {
      range = new this.#rcl.FloatingPointRange(spec.range[0], spec.range[1], 0);
    }
    const Descriptor = describedDescriptor(this.#rcl, spec);
    const descriptor: RclDescriptorLike = new Descriptor(
      name,
      code,
      spec.description ?? '',
      spec.readOnly ?? false,
      range,
    );
    if (spec.choices) descriptor.additionalConstraints = `one of: ${spec.choices.join(', ')}`;
    this.#specs.set(name, spec);
    this.#declaring = true;
    try {
      this.#node.declareParameter(
        new this.#rcl.Parameter(name, code, toRclValue(spec.type, spec.default)),
        descriptor,
      );
    } catch (err) {
      this.#specs.delete(name);
      throw new ConfigError(`refused: ${err instanceof Error ? err.message : String(err)}`, name);
    } finally {
      this.#declaring = false;
    }
    return this.param(name);
  }

  param(name: string): ParamValue {
    if (!this.#specs.has(name) || !this.#node.hasParameter(name))
      throw new ConfigError(`not declared on ${this.fqn}`, name);
    return fromRclValue(this.#node.getParameter(name).value);
  }

  setParams(changes: Readonly<Record<string, ParamValue>>): string | null {
    this.#assertOpen('setParams()');
    const problems: string[] = [];
    const params: RclParameterLike[] = [];
    for (const [name, value] of Object.entries(changes)) {
      const spec = this.#specs.get(name);
      if (!spec) {
        problems.push(`'${name}' is not declared on ${this.fqn}`);
        continue;
      }
      if (spec.readOnly) {
        problems.push(`'${name}' is read-only (static); set it with -p or a params file and restart`);
        continue;
      }
      const p = checkParamValue(name, spec, value);
      if (p.length > 0) problems.push(...p);
      else params.push(new this.#rcl.Parameter(name, TYPE_CODE[spec.type], toRclValue(spec.type, value)));
    }
    if (problems.length > 0) return problems.join('; ');
    const result = this.#node.setParametersAtomically(params);
    return result.successful ? null : result.reason || 'refused';
  }

  onParamSet(check: ParamCheck): void {
    this.#checks.push(check);
  }

  onParamChanged(listener: (changes: Readonly<Record<string, ParamValue>>) => void): void {
    this.#listeners.push(listener);
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------

  lifecycle(hooks: Partial<Record<LifecycleHook, () => boolean>>): void {
    this.#assertOpen('lifecycle()');
    const node = this.#managed;
    if (!node) {
      throw new TransportError(
        `${this.fqn} was created as a plain (unmanaged) ROS node, which has no lifecycle: create the transport with managed: true (df-planner node does when the managed parameter is true)`,
      );
    }
    if (this.#hooks) throw new TransportError(`lifecycle() called twice on ${this.fqn}`);
    if (this.#started) throw new TransportError(`lifecycle() must be called before start() on ${this.fqn}`);
    this.#hooks = { ...hooks };
    const run = (hook: LifecycleHook): number => {
      const fn = this.#hooks?.[hook];
      return !fn || fn() ? RCL_CALLBACK.SUCCESS : RCL_CALLBACK.FAILURE;
    };
    node.registerOnConfigure(() => run('configure'));
    node.registerOnActivate(() => {
      for (const p of this.#lifecyclePubs) p.activate();
      let code: number = RCL_CALLBACK.ERROR;
      try {
        code = run('activate');
      } finally {
        if (code !== RCL_CALLBACK.SUCCESS) for (const p of this.#lifecyclePubs) p.deactivate();
      }
      return code;
    });
    node.registerOnDeactivate(() => {
      const code = run('deactivate');
      if (code === RCL_CALLBACK.SUCCESS) for (const p of this.#lifecyclePubs) p.deactivate();
      return code;
    });
    node.registerOnCleanup(() => run('cleanup'));
    node.registerOnShutdown(() => run('shutdown'));
  }

  lifecycleState(): LifecycleState {
    if (this.#closed) return 'finalized';
    if (!this.#managed) return 'active';
    return STATE_BY_ID[rclStateId(this.#managed.currentState)] ?? 'unconfigured';
  }

  transition(hook: LifecycleHook): boolean {
    const node = this.#managed;
    if (!node) {
      this.log(
        'warn',
        `transition '${hook}' ignored: ${this.fqn} is not a managed node (call lifecycle() first)`,
      );
      return false;
    }
    const target: Record<LifecycleHook, LifecycleState> = {
      configure: 'inactive',
      activate: 'active',
      deactivate: 'inactive',
      cleanup: 'unconfigured',
      shutdown: 'finalized',
    };
    try {
      node[hook]();
    } catch (err) {
      this.log(
        'warn',
        `no transition '${hook}' from state '${this.lifecycleState()}': ${err instanceof Error ? err.message : String(err)}`,
      );
      return false;
    }
    return STATE_BY_ID[rclStateId(node.currentState)] === target[hook];
  }

  onShutdown(hook: () => void): void {
    this.#shutdownHooks.push(hook);
  }

  start(): void {
    this.#assertOpen('start()');
    if (this.#started) return;
    this.#started = true;
    this.#node.spin();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#managed && this.lifecycleState() !== 'finalized') this.transition('shutdown');
    for (const hook of this.#shutdownHooks) {
      try {
        hook();
      } catch (err) {
        this.log('error', `shutdown hook threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const flushMs = this.#options.flushMs ?? 50;
    if (flushMs > 0) await new Promise((resolve) => setTimeout(resolve, flushMs));
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    for (const s of this.#subjects.splice(0)) s.complete();
    this.#node.stop();
    this.#node.destroy();
    this.#options.afterClose?.();
  }
}
