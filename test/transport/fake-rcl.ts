/**
 * FakeRcl: a recording stand-in for the parts of rclnodejs 2.2.0 listed in `RclLike` — not ROS, no DDS, no
 * rcl name expansion. It lets the adapter's own logic be checked (docs/ros2.md §5.3 T2): which type strings, QoS
 * profiles, timer periods, descriptors and calls it makes. Behaviour copied from rclnodejs's lib/*.js where the
 * adapter depends on it: INTEGER values become bigint in `Parameter`, `createTimer` refuses a non-bigint
 * period, `declareParameter` applies the override and refuses a type that differs from the descriptor, on-set
 * callbacks run on declare and set, lifecycle callbacks map SUCCESS/FAILURE/ERROR to states.
 */

import {
  RCL_CALLBACK,
  type RclClockLike,
  type RclContextLike,
  type RclDescriptorLike,
  type RclLifecycleNodeLike,
  type RclLifecyclePublisherLike,
  type RclLike,
  type RclLoggerLike,
  type RclParameterLike,
  type RclPubSubOptions,
  type RclRangeLike,
  type RclSetResultLike,
  type RclStateLike,
  type RclTimerLike,
} from '../../src/transport/rcl/rcl-like.js';
import { parseRosArgs } from '../../src/transport/ros-args.js';

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

class FakeParameter implements RclParameterLike {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
  constructor(name: string, type: number, value?: unknown) {
    this.name = name;
    this.type = type;
    this.value = type === 2 ? BigInt(value as number | bigint) : value;
  }
}

class FakeDescriptor implements RclDescriptorLike {
  additionalConstraints = '';
  constructor(
    readonly name: string,
    readonly type: number,
    readonly description = '',
    readonly readOnly = false,
    readonly range?: RclRangeLike,
  ) {}
}

class FakeFloatRange implements RclRangeLike {
  constructor(
    readonly fromValue: number,
    readonly toValue: number,
    readonly step = 1,
  ) {}
  inRange(value: number): boolean {
    return value >= this.fromValue && value <= this.toValue;
  }
  isValidType(parameterType: number): boolean {
    return parameterType === 3 || parameterType === 8;
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
  inRange(value: number): boolean {
    return value >= this.fromValue && value <= this.toValue;
  }
  isValidType(parameterType: number): boolean {
    return parameterType === 2 || parameterType === 7;
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

function rawToParameter(name: string, v: unknown): FakeParameter {
  if (typeof v === 'boolean') return new FakeParameter(name, 1, v);
  if (typeof v === 'bigint') return new FakeParameter(name, 2, v);
  if (typeof v === 'number') return new FakeParameter(name, 3, v);
  if (typeof v === 'string') return new FakeParameter(name, 4, v);
  const arr = v as unknown[];
  const first = arr[0];
  const type =
    typeof first === 'bigint' ? 7 : typeof first === 'number' ? 8 : typeof first === 'boolean' ? 6 : 9;
  return new FakeParameter(name, type, arr);
}

const STATES: Record<string, { id: number; label: string }> = {
  unconfigured: { id: 1, label: 'unconfigured' },
  inactive: { id: 2, label: 'inactive' },
  active: { id: 3, label: 'active' },
  finalized: { id: 4, label: 'finalized' },
};

/** Call log shared by a FakeRcl and its nodes, in order. */
export type FakeCall = string;

export class FakeNode implements RclLifecycleNodeLike {
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
  readonly callbacks = new Map<string, (prev: RclStateLike) => number>();
  readonly logs: string[] = [];
  state: { id: number; label: string } = STATES['unconfigured']!;
  spinning = false;
  destroyed = false;
  nowNs = 0n;

  constructor(
    private readonly rcl: FakeRcl,
    private readonly nodeName: string,
    private readonly ns: string,
    readonly context: FakeContext,
  ) {}

  name(): string {
    return this.nodeName;
  }
  namespace(): string {
    return this.ns === '' ? '/' : this.ns;
  }
  getFullyQualifiedName(): string {
    return this.namespace() === '/' ? `/${this.nodeName}` : `${this.namespace()}/${this.nodeName}`;
  }
  resolveTopicName(topic: string): string {
    return topic;
  }
  now() {
    return { nanoseconds: this.nowNs };
  }
  getLogger(): RclLoggerLike {
    const log = (level: string) => (m: string) => {
      this.logs.push(`${level} ${m}`);
      return true;
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }
  createPublisher(type: string, topic: string, options?: RclPubSubOptions) {
    const p: FakePublisher = { type, topic, options, lifecycle: false, active: true, published: [] };
    this.publishers.push(p);
    return {
      publish: (m: object) => {
        this.rcl.calls.push(`publish ${topic}`);
        p.published.push(m);
      },
    };
  }
  createLifecyclePublisher(
    type: string,
    topic: string,
    options?: RclPubSubOptions,
  ): RclLifecyclePublisherLike {
    const p: FakePublisher = { type, topic, options, lifecycle: true, active: false, published: [] };
    this.publishers.push(p);
    return {
      publish: (m: object) => {
        if (!p.active) return;
        this.rcl.calls.push(`publish ${topic}`);
        p.published.push(m);
      },
      activate: () => {
        p.active = true;
      },
      deactivate: () => {
        p.active = false;
      },
    };
  }
  createSubscription(type: string, topic: string, options: RclPubSubOptions, callback: (m: unknown) => void) {
    this.subscriptions.push({ type, topic, options, callback });
    return { topic };
  }
  createTimer(period: bigint, callback: () => void, clock?: RclClockLike | null): RclTimerLike {
    if (typeof period !== 'bigint') throw new TypeError('period must be a bigint');
    const t: FakeTimer = {
      period,
      clock,
      callback,
      cancelled: false,
      cancel: () => {
        t.cancelled = true;
      },
    };
    this.timers.push(t);
    return t;
  }
  destroyTimer(timer: RclTimerLike): void {
    timer.cancel();
  }
  #setAtomically(ps: FakeParameter[], declaring: boolean): RclSetResultLike {
    for (const p of ps) {
      const d = this.descriptors.get(p.name);
      if (!d) return { successful: false, reason: `Parameter ${p.name} has not been declared` };
      if (!declaring && d.readOnly) return { successful: false, reason: `Parameter ${p.name} is readonly` };
      if (d.type !== p.type) return { successful: false, reason: `Parameter ${p.name} type mismatch` };
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
    const override = this.getParameterOverrides().find((p) => p.name === parameter.name);
    const p = (override ?? parameter) as FakeParameter;
    const d = (descriptor as FakeDescriptor | undefined) ?? new FakeDescriptor(p.name, p.type);
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
    const out = new Map<string, FakeParameter>();
    for (const src of parseRosArgs(this.context.argv).params) {
      if (src.kind === 'param' && (src.node === undefined || src.node === this.nodeName)) {
        out.set(src.name, rawToParameter(src.name, src.value));
      }
    }
    return [...out.values()];
  }
  setParametersAtomically(parameters: RclParameterLike[]): RclSetResultLike {
    return this.#setAtomically(parameters as FakeParameter[], false);
  }
  addOnSetParametersCallback(cb: (ps: RclParameterLike[]) => RclSetResultLike): void {
    this.onSet.unshift(cb);
  }
  addPostSetParametersCallback(cb: (ps: RclParameterLike[]) => void): void {
    this.postSet.push(cb);
  }
  spin(): void {
    this.spinning = true;
  }
  stop(): void {
    this.spinning = false;
  }
  destroy(): void {
    this.rcl.calls.push(`destroy ${this.nodeName}`);
    this.destroyed = true;
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

export class FakeRcl implements RclLike {
  readonly calls: FakeCall[] = [];
  readonly nodes: FakeNode[] = [];
  readonly contexts: FakeContext[] = [];
  readonly Parameter = FakeParameter;
  readonly ParameterDescriptor = FakeDescriptor;
  readonly FloatingPointRange = FakeFloatRange;
  readonly IntegerRange = FakeIntRange;
  readonly QoS = FakeQoS;
  readonly Clock = FakeClock;
  readonly Context: new () => FakeContext;
  readonly lifecycle: RclLike['lifecycle'];

  constructor() {
    const contexts = this.contexts;
    this.Context = class extends FakeContext {
      constructor() {
        super();
        contexts.push(this);
      }
    };
    const rcl = this;
    this.lifecycle = {
      LifecycleNode: class extends FakeNode {
        constructor(name: string, ns = '', context?: RclContextLike) {
          const ctx = context as FakeContext | undefined;
          if (!ctx?.initialized) throw new Error('context is not initialized');
          super(rcl, name, ns, ctx);
          rcl.nodes.push(this);
          rcl.calls.push(`node ${name}`);
          // rclnodejs's TimeSource declares use_sim_time on every node.
          this.descriptors.set('use_sim_time', new FakeDescriptor('use_sim_time', 1));
          this.params.set('use_sim_time', new FakeParameter('use_sim_time', 1, false));
        }
      } as unknown as RclLike['lifecycle']['LifecycleNode'],
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
