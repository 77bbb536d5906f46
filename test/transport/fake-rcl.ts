/**
 * FakeRcl: the parts of rclnodejs 2.2.0 listed in `RclLike`, behaving as rclnodejs does where the adapter depends
 * on it — not ROS: no DDS, no rmw. Messages move between FakeRcl nodes through the bus core (one FakeRcl = one
 * DDS domain on a virtual clock), so the transport contract suite runs on the adapter (rcl-adapter.test.ts).
 * Every rule below was read in the npm package rclnodejs@2.2.0 (file:line there):
 *
 * - Nodes: `Node` is plain; `lifecycle.LifecycleNode` adds the state machine, and its four services plus the
 *   transition_event publisher only when `enableCommunicationInterface` (lib/lifecycle.js:285-330). Names follow
 *   the context's `-r __node:=`/`-r __ns:=` (rcl applies the global remaps at node init).
 * - Parameter overrides are computed once, at node construction (lib/node.js:177-178): the context's params
 *   files and `-p`, merged per node key in argv order (rcl), then the `/**` entries overlaid by the entries keyed
 *   exactly by the node's name (lib/node.js:2514-2566). Each entry of every key becomes a `Parameter`, with
 *   integers handed over as JS numbers (src/rcl_node_bindings.cpp:93-95, 127-134), so an integer array throws
 *   rclnodejs's type error from the Node constructor (lib/parameter.js:131-132, 184-215, 899).
 * - `use_sim_time` is declared by the TimeSource without a descriptor (lib/time_source.js:98-101); when true it
 *   subscribes `/clock` with the default QoS, i.e. reliable (lib/time_source.js:174-181, lib/node.js:611), and
 *   `now()` follows the last `/clock` message. (Timers here always run on the domain's clock.)
 * - Declares and sets run `_setParametersAtomically` (lib/node.js:2190-2300): validate each parameter against
 *   its descriptor and report any failure of `descriptor.validateParameter` as "Parameter <name> does not
 *   readonly" (lib/node.js:2465-2500), then the on-set callbacks (added at the front, lib/node.js:2340), then
 *   store, then the post-set callbacks (also added at the front, lib/node.js:2393). A declare uses the override
 *   in place of the given parameter and, without a descriptor, builds one from it (lib/node.js:1893-1912).
 * - `ParameterDescriptor.validateParameter` refuses another type and a value outside the range
 *   (lib/parameter.js:449-511); `toMessage()` reads `_rangeConstraint`, which nothing sets (lib/parameter.js:
 *   364-376), so no range reaches `ros2 param describe`.
 * - `Parameter` turns an INTEGER value into bigint (lib/parameter.js:131-132); `createTimer` wants a bigint.
 * - Lifecycle transitions run the registered callback; SUCCESS moves on, FAILURE stays, ERROR (or a throw) goes
 *   to unconfigured via error processing (lib/lifecycle.js). A lifecycle publisher drops messages while
 *   deactivated (lib/lifecycle_publisher.js:41-50).
 * - Executor: one message per ready subscription per round, in creation order (lib/node.js:234-296): the bus
 *   core's rounds do exactly that.
 */

import { readFileSync } from 'node:fs';
import type { Logger } from '../../src/logging.js';
import { parseParamsFile, type RawParamValue } from '../../src/params/index.js';
import {
  BusCore,
  type Endpoint,
  QOS_PROFILES,
  type QosProfile,
  type Sub,
} from '../../src/transport/bus/bus-core.js';
import type { MsgMap } from '../../src/transport/msgs.js';
import { nsFromTime } from '../../src/transport/msgs.js';
import { fullyQualifiedName, normalizeNamespace, resolveTopicName } from '../../src/transport/names.js';
import {
  RCL_CALLBACK,
  type RclClockLike,
  type RclContextLike,
  type RclDescriptorLike,
  type RclLifecycleNodeLike,
  type RclLifecyclePublisherLike,
  type RclLike,
  type RclLoggerLike,
  type RclNodeLike,
  type RclParameterLike,
  type RclPubSubOptions,
  type RclRangeLike,
  type RclSetResultLike,
  type RclStateLike,
  type RclTimerLike,
} from '../../src/transport/rcl/rcl-like.js';
import { parseRosArgs } from '../../src/transport/ros-args.js';
import type { TypeName } from '../../src/transport/types.js';

const T = {
  BOOL: 1,
  INTEGER: 2,
  DOUBLE: 3,
  STRING: 4,
  BOOL_ARRAY: 6,
  INTEGER_ARRAY: 7,
  DOUBLE_ARRAY: 8,
  STRING_ARRAY: 9,
};

export interface FakePublisher {
  readonly type: string;
  readonly topic: string;
  readonly options: RclPubSubOptions | undefined;
  readonly lifecycle: boolean;
  active: boolean;
  readonly published: object[];
}

export interface FakeTimer extends RclTimerLike {
  readonly period: bigint;
  readonly clock: RclClockLike | null | undefined;
  readonly callback: () => void;
  cancelled: boolean;
}

function validValue(value: unknown, type: number): boolean {
  const el = (v: unknown, t: number) =>
    t === T.BOOL
      ? typeof v === 'boolean'
      : t === T.INTEGER
        ? typeof v === 'bigint'
        : t === T.DOUBLE
          ? typeof v === 'number'
          : t === T.STRING
            ? typeof v === 'string'
            : false;
  if (type >= T.BOOL_ARRAY) return Array.isArray(value) && value.every((v) => el(v, type - 5));
  return el(value, type);
}

class FakeParameter implements RclParameterLike {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
  constructor(name: string, type: number, value?: unknown) {
    this.name = name;
    this.type = type;
    // lib/parameter.js:131-132: only a scalar INTEGER is converted; then validate() (lib/parameter.js:184-215).
    this.value = type === T.INTEGER ? BigInt(value as number | bigint) : value;
    if (!validValue(this.value, type)) {
      throw new TypeError(`Invalid type for parameter '${name}': expected type ${type}, got ${typeof value}`);
    }
  }
}

class FakeDescriptor implements RclDescriptorLike {
  additionalConstraints = '';
  /** lib/parameter.js stores the range as `_range`; its toMessage() reads `_rangeConstraint`. */
  readonly _range: RclRangeLike | undefined;
  readonly _rangeConstraint: RclRangeLike | undefined = undefined;
  constructor(
    readonly name: string,
    readonly type: number,
    readonly description = 'no description',
    readonly readOnly = false,
    range?: RclRangeLike,
  ) {
    this._range = range;
  }
  get range(): RclRangeLike | undefined {
    return this._range;
  }
  validateParameter(parameter: RclParameterLike): void {
    if (parameter.name !== this.name) throw new Error('Name mismatch');
    if (parameter.type !== this.type) throw new TypeError('Parameter type mismatch');
    if (this._range && !this._range.inRange(parameter.value as number)) throw new RangeError('out of range');
  }
  toMessage(): object {
    const msg: Record<string, unknown> = {
      name: this.name,
      type: this.type,
      description: this.description,
      additional_constraints: this.additionalConstraints,
      read_only: this.readOnly,
    };
    if (this._rangeConstraint instanceof FakeIntRange) msg['integer_range'] = [this._rangeConstraint];
    else if (this._rangeConstraint instanceof FakeFloatRange)
      msg['floating_point_range'] = [this._rangeConstraint];
    return msg;
  }
}

class FakeFloatRange implements RclRangeLike {
  constructor(
    readonly fromValue: number,
    readonly toValue: number,
    readonly step = 1,
  ) {}
  inRange(value: number | number[]): boolean {
    const vs = Array.isArray(value) ? value : [value];
    return vs.every((v) => v >= this.fromValue - 1e-6 && v <= this.toValue + 1e-6);
  }
  isValidType(parameterType: number): boolean {
    return parameterType === T.DOUBLE || parameterType === T.DOUBLE_ARRAY;
  }
}

class FakeIntRange implements RclRangeLike {
  readonly fromValue: number;
  readonly toValue: number;
  readonly step: number;
  readonly bigFrom: bigint;
  readonly bigTo: bigint;
  constructor(from: bigint, to: bigint, step = 1n) {
    this.bigFrom = from;
    this.bigTo = to;
    this.fromValue = Number(from);
    this.toValue = Number(to);
    this.step = Number(step);
  }
  inRange(value: number | bigint): boolean {
    return value >= this.bigFrom && value <= this.bigTo;
  }
  isValidType(parameterType: number): boolean {
    return parameterType === T.INTEGER || parameterType === T.INTEGER_ARRAY;
  }
}

class FakeQoS {
  constructor(
    readonly history?: number,
    public depth = 0,
    readonly reliability?: number,
    readonly durability?: number,
  ) {}
  static readonly profileDefault = 'qos_profile_default';
  static readonly profileSensorData = 'qos_profile_sensor_data';
}

/** rmw profiles: default reliable/volatile/10, sensor data best effort/volatile/5; QoS objects as given. */
function profileOf(qos: RclPubSubOptions['qos']): QosProfile {
  if (qos === undefined || qos === FakeQoS.profileDefault) return QOS_PROFILES.default;
  if (qos === FakeQoS.profileSensorData) return QOS_PROFILES.sensor;
  if (qos instanceof FakeQoS) {
    return { reliable: qos.reliability === 1, transientLocal: qos.durability === 1, depth: qos.depth };
  }
  throw new Error(`FakeRcl: unknown QoS ${String(qos)}`);
}

class FakeClock implements RclClockLike {
  constructor(readonly clockType = 2) {}
}

class FakeContext implements RclContextLike {
  initialized = false;
  shut = false;
  argv: string[] = [];
  isShutdown(): boolean {
    return this.shut;
  }
}

/** rcl: every params file and -p merged per node key in argv order; rclnodejs: `/**`, then the node's name. */
function nativeOverrides(argv: readonly string[], nodeName: string): Map<string, FakeParameter> {
  const byKey = new Map<string, Map<string, RawParamValue>>();
  const put = (key: string, name: string, value: RawParamValue) => {
    if (!byKey.has(key)) byKey.set(key, new Map());
    byKey.get(key)!.set(name, value);
  };
  for (const src of parseRosArgs(argv).params) {
    if (src.kind === 'param') put(src.node ?? '/**', src.name, src.value);
    else {
      const file = parseParamsFile(readFileSync(src.path, 'utf8'), src.path);
      for (const section of file.sections) for (const [k, v] of section.params) put(section.node, k, v);
    }
  }
  // Each entry of every key becomes a Parameter, integers as JS numbers (lib/node.js:2535-2546).
  const converted = new Map<string, Map<string, FakeParameter>>();
  for (const [key, params] of byKey) {
    const out = new Map<string, FakeParameter>();
    for (const [name, v] of params) out.set(name, nativeParameter(name, v));
    converted.set(key, out);
  }
  return new Map([...(converted.get('/**') ?? []), ...(converted.get(nodeName) ?? [])]);
}

function nativeParameter(name: string, v: RawParamValue): FakeParameter {
  const num = (x: unknown) => (typeof x === 'bigint' ? Number(x) : x);
  if (typeof v === 'boolean') return new FakeParameter(name, T.BOOL, v);
  if (typeof v === 'bigint') return new FakeParameter(name, T.INTEGER, Number(v));
  if (typeof v === 'number') return new FakeParameter(name, T.DOUBLE, v);
  if (typeof v === 'string') return new FakeParameter(name, T.STRING, v);
  const first = v[0];
  const type =
    typeof first === 'bigint'
      ? T.INTEGER_ARRAY
      : typeof first === 'number'
        ? T.DOUBLE_ARRAY
        : typeof first === 'boolean'
          ? T.BOOL_ARRAY
          : T.STRING_ARRAY;
  return new FakeParameter(name, type, v.map(num));
}

const STATES: Record<string, { id: number; label: string }> = {
  unconfigured: { id: 1, label: 'unconfigured' },
  inactive: { id: 2, label: 'inactive' },
  active: { id: 3, label: 'active' },
  finalized: { id: 4, label: 'finalized' },
};

/** Call log shared by a FakeRcl and its nodes, in order. */
export type FakeCall = string;

export class FakeNode implements RclNodeLike, Endpoint {
  readonly publishers: FakePublisher[] = [];
  readonly subscriptions: {
    type: string;
    topic: string;
    options: RclPubSubOptions;
    callback: (m: unknown) => void;
  }[] = [];
  readonly timers: FakeTimer[] = [];
  readonly params = new Map<string, FakeParameter>();
  readonly descriptors = new Map<string, FakeDescriptor>();
  readonly onSet: ((ps: RclParameterLike[]) => RclSetResultLike)[] = [];
  readonly postSet: ((ps: RclParameterLike[]) => void)[] = [];
  readonly logs: string[] = [];
  /** Lifecycle service names (empty for a plain node or without the communication interface). */
  readonly services: string[] = [];
  readonly overrides: Map<string, FakeParameter>;
  readonly fqn: string;
  spinning = false;
  destroyed = false;
  /** Last /clock time while use_sim_time is true. */
  simNowNs = 0n;
  #clockSub: Sub | undefined;
  readonly #subs: Sub[] = [];
  readonly #nodeName: string;
  readonly #ns: string;

  constructor(
    protected readonly rcl: FakeRcl,
    nodeName: string,
    ns: string,
    readonly context: FakeContext,
  ) {
    if (!context.initialized) throw new Error('context is not initialized');
    const args = parseRosArgs(context.argv);
    this.#nodeName = args.nodeName ?? nodeName;
    this.#ns = normalizeNamespace(args.namespace ?? ns);
    this.fqn = fullyQualifiedName(this.#nodeName, this.#ns);
    this.overrides = nativeOverrides(context.argv, this.#nodeName);
    rcl.nodes.push(this);
    rcl.calls.push(`node ${this.#nodeName}`);
    // TimeSource (lib/time_source.js:98-101): declared without a descriptor, so the override's type is kept.
    this.declareParameter(new FakeParameter('use_sim_time', T.BOOL, false));
    if (this.params.get('use_sim_time')?.value === true) this.#subscribeClock();
    this.addOnSetParametersCallback((ps) => {
      for (const p of ps) {
        if (p.name !== 'use_sim_time' || p.type !== T.BOOL) continue;
        if (p.value === true) this.#subscribeClock();
        else if (this.#clockSub) {
          rcl.core.removeSub(this.#clockSub);
          this.#clockSub = undefined;
        }
      }
      return { successful: true, reason: '' };
    });
  }

  #subscribeClock(): void {
    if (this.#clockSub) return;
    const topic = this.rcl.core.topic('/clock', 'rosgraph_msgs/msg/Clock');
    this.#clockSub = this.rcl.core.addSub(this, topic, QOS_PROFILES.default, (m) => {
      this.simNowNs = nsFromTime((m as MsgMap['rosgraph_msgs/msg/Clock']).clock);
    });
    this.#subs.push(this.#clockSub);
  }

  // Endpoint (for the bus core)
  get started(): boolean {
    return this.spinning && !this.destroyed;
  }
  log(level: string, text: string): void {
    this.logs.push(`${level} ${text}`);
  }

  name(): string {
    return this.#nodeName;
  }
  namespace(): string {
    return this.#ns;
  }
  getFullyQualifiedName(): string {
    return this.fqn;
  }
  resolveTopicName(topic: string): string {
    return resolveTopicName(topic, this.#nodeName, this.#ns, parseRosArgs(this.context.argv).remaps);
  }
  now() {
    return { nanoseconds: this.#clockSub ? this.simNowNs : this.rcl.core.nowNs() };
  }
  getLogger(): RclLoggerLike {
    const log = (level: string) => (m: string) => {
      this.logs.push(`${level} ${m}`);
      return true;
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }
  protected addPublisher(
    type: string,
    topic: string,
    options: RclPubSubOptions | undefined,
    lifecycle: boolean,
  ) {
    const record: FakePublisher = { type, topic, options, lifecycle, active: !lifecycle, published: [] };
    this.publishers.push(record);
    const t = this.rcl.core.topic(this.resolveTopicName(topic), type as TypeName);
    const pub = this.rcl.core.addPub(this, t, profileOf(options?.qos));
    const publish = (m: object) => {
      if (!record.active) return;
      this.rcl.calls.push(`publish ${topic}`);
      record.published.push(m);
      this.rcl.core.publish(pub, m);
    };
    return { record, publish };
  }
  createPublisher(type: string, topic: string, options?: RclPubSubOptions) {
    return { publish: this.addPublisher(type, topic, options, false).publish };
  }
  createSubscription(type: string, topic: string, options: RclPubSubOptions, callback: (m: unknown) => void) {
    this.subscriptions.push({ type, topic, options, callback });
    const t = this.rcl.core.topic(this.resolveTopicName(topic), type as TypeName);
    this.#subs.push(this.rcl.core.addSub(this, t, profileOf(options.qos), callback));
    return { topic };
  }
  createTimer(period: bigint, callback: () => void, clock?: RclClockLike | null): RclTimerLike {
    if (typeof period !== 'bigint') throw new TypeError('period must be a bigint');
    const entry = this.rcl.core.addTimer(this, period, callback, this.rcl.core.nowNs(), true);
    const t: FakeTimer = {
      period,
      clock,
      callback,
      cancelled: false,
      cancel: () => {
        t.cancelled = true;
        this.rcl.core.cancelTimer(entry);
      },
    };
    this.timers.push(t);
    return t;
  }
  destroyTimer(timer: RclTimerLike): void {
    timer.cancel();
  }
  /** lib/node.js:2190-2300 with the validation of lib/node.js:2465-2500. */
  #setAtomically(ps: FakeParameter[], declaring: boolean): RclSetResultLike {
    for (const p of ps) {
      const d = this.descriptors.get(p.name);
      if (!d) return { successful: false, reason: `Parameter ${p.name} has not been declared` };
      if (!declaring && d.readOnly) return { successful: false, reason: `Parameter ${p.name} is readonly` };
      try {
        d.validateParameter(p);
      } catch {
        return { successful: false, reason: `Parameter ${p.name} does not  readonly` };
      }
    }
    for (const cb of this.onSet) {
      const r = cb(ps);
      if (!r.successful) return r;
    }
    for (const p of ps) this.params.set(p.name, p);
    for (const cb of this.postSet) cb(ps);
    return { successful: true, reason: '' };
  }
  declareParameter(parameter: RclParameterLike, descriptor?: RclDescriptorLike): RclParameterLike {
    if (this.params.has(parameter.name)) throw new Error(`Parameter(${parameter.name}) already declared.`);
    const p = (this.overrides.get(parameter.name) ?? parameter) as FakeParameter;
    const d =
      (descriptor as FakeDescriptor | undefined) ??
      new FakeDescriptor(p.name, p.type, 'Created from parameter.');
    this.descriptors.set(p.name, d);
    const r = this.#setAtomically([p], true);
    if (!r.successful) {
      this.descriptors.delete(p.name);
      throw new Error(r.reason);
    }
    return p;
  }
  getParameter(name: string): RclParameterLike {
    return this.params.get(name)!;
  }
  hasParameter(name: string): boolean {
    return this.params.has(name);
  }
  getParameterOverrides(): RclParameterLike[] {
    return [...this.overrides.values()];
  }
  /** What `ros2 param describe` would print (parameter_service.js:228-229). */
  describeParameter(name: string): Record<string, unknown> {
    return this.descriptors.get(name)!.toMessage() as Record<string, unknown>;
  }
  setParametersAtomically(parameters: RclParameterLike[]): RclSetResultLike {
    return this.#setAtomically(parameters as FakeParameter[], false);
  }
  addOnSetParametersCallback(cb: (ps: RclParameterLike[]) => RclSetResultLike): void {
    this.onSet.unshift(cb);
  }
  addPostSetParametersCallback(cb: (ps: RclParameterLike[]) => void): void {
    this.postSet.unshift(cb);
  }
  spin(): void {
    this.spinning = true;
    for (const sub of this.#subs) this.rcl.core.schedule(sub);
  }
  stop(): void {
    this.spinning = false;
  }
  destroy(): void {
    this.rcl.calls.push(`destroy ${this.#nodeName}`);
    this.destroyed = true;
    for (const sub of this.#subs.splice(0)) this.rcl.core.removeSub(sub);
    for (const t of this.timers) t.cancel();
  }
}

export class FakeLifecycleNode extends FakeNode implements RclLifecycleNodeLike {
  readonly callbacks = new Map<string, (prev: RclStateLike) => number>();
  readonly #lifecyclePubs: FakePublisher[] = [];
  state: { id: number; label: string } = STATES['unconfigured']!;

  constructor(rcl: FakeRcl, name: string, ns: string, context: FakeContext, comms: boolean) {
    super(rcl, name, ns, context);
    if (comms)
      this.services.push('get_state', 'get_available_states', 'get_available_transitions', 'change_state');
  }
  createLifecyclePublisher(
    type: string,
    topic: string,
    options?: RclPubSubOptions,
  ): RclLifecyclePublisherLike {
    const { record, publish } = this.addPublisher(type, topic, options, true);
    this.#lifecyclePubs.push(record);
    return {
      publish,
      activate: () => {
        record.active = true;
      },
      deactivate: () => {
        record.active = false;
      },
    };
  }
  get currentState(): RclStateLike {
    return this.state;
  }
  registerOnConfigure(cb: (prev: RclStateLike) => number): void {
    this.callbacks.set('configure', cb);
  }
  registerOnActivate(cb: (prev: RclStateLike) => number): void {
    this.callbacks.set('activate', cb);
  }
  registerOnDeactivate(cb: (prev: RclStateLike) => number): void {
    this.callbacks.set('deactivate', cb);
  }
  registerOnCleanup(cb: (prev: RclStateLike) => number): void {
    this.callbacks.set('cleanup', cb);
  }
  registerOnShutdown(cb: (prev: RclStateLike) => number): void {
    this.callbacks.set('shutdown', cb);
  }
  #change(hook: string, from: string[], to: string): RclStateLike {
    if (!from.includes(this.state.label)) throw new Error(`No transition available from state ${hook}`);
    const prev = this.state;
    let code: number = RCL_CALLBACK.SUCCESS;
    const cb = this.callbacks.get(hook);
    if (cb) {
      try {
        code = cb(prev);
      } catch {
        code = RCL_CALLBACK.ERROR;
      }
    }
    this.rcl.calls.push(`${hook} ${code}`);
    if (code === RCL_CALLBACK.SUCCESS) this.state = STATES[to]!;
    else if (code === RCL_CALLBACK.ERROR) this.state = STATES['unconfigured']!;
    return this.state;
  }
  configure() {
    return this.#change('configure', ['unconfigured'], 'inactive');
  }
  activate() {
    return this.#change('activate', ['inactive'], 'active');
  }
  deactivate() {
    return this.#change('deactivate', ['active'], 'inactive');
  }
  cleanup() {
    return this.#change('cleanup', ['inactive'], 'unconfigured');
  }
  shutdown() {
    return this.#change('shutdown', ['unconfigured', 'inactive', 'active'], 'finalized');
  }
}

const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export class FakeRcl implements RclLike {
  readonly calls: FakeCall[] = [];
  readonly nodes: FakeNode[] = [];
  readonly contexts: FakeContext[] = [];
  /** The DDS domain stand-in: topics, QoS matching, keep-last queues, executor rounds, a virtual clock. */
  readonly core = new BusCore('virtual', 0n, quietLogger);
  readonly Parameter = FakeParameter;
  readonly ParameterDescriptor = FakeDescriptor;
  readonly FloatingPointRange = FakeFloatRange;
  readonly IntegerRange = FakeIntRange;
  readonly QoS = FakeQoS;
  readonly Clock = FakeClock;
  readonly Context: new () => FakeContext;
  readonly Node: new (
    name: string,
    namespace?: string,
    context?: RclContextLike,
  ) => FakeNode;
  readonly lifecycle: {
    readonly LifecycleNode: new (
      name: string,
      namespace?: string,
      context?: RclContextLike,
      options?: undefined,
      enableCommunicationInterface?: boolean,
    ) => FakeLifecycleNode;
  };

  constructor() {
    const contexts = this.contexts;
    this.Context = class extends FakeContext {
      constructor() {
        super();
        contexts.push(this);
      }
    };
    const rcl = this;
    this.Node = class extends FakeNode {
      constructor(name: string, ns = '', context?: RclContextLike) {
        super(rcl, name, ns, (context as FakeContext | undefined) ?? new FakeContext());
      }
    };
    this.lifecycle = {
      LifecycleNode: class extends FakeLifecycleNode {
        constructor(name: string, ns = '', context?: RclContextLike, _options?: undefined, comms = true) {
          super(rcl, name, ns, (context as FakeContext | undefined) ?? new FakeContext(), comms);
        }
      },
    };
  }

  async init(context?: RclContextLike, argv: string[] = []): Promise<void> {
    const ctx = context as FakeContext;
    if (ctx.initialized) throw new Error('The context has already been initialized.');
    ctx.initialized = true;
    ctx.argv = argv;
    this.calls.push(`init ${argv.join(' ')}`);
  }
  shutdown(context?: RclContextLike): void {
    (context as FakeContext).shut = true;
    this.calls.push('shutdown');
  }
  removeSignalHandlers(): void {
    this.calls.push('removeSignalHandlers');
  }
}
