/**
 * One node on the in-process bus: the `Transport` the planner sees when no ROS 2 is around. It mirrors what the
 * rclnodejs adapter does, so that tests on the bus say something about the ROS node:
 * - names: own resolver with argv remaps (names.ts); `-r __node:=`, `-r __ns:=` rename the node;
 * - params: `use_sim_time` auto-declared; overrides from `-p` and `--params-file` by rclnodejs's rules
 *   (param-overrides.ts: `/**` values, then the node's own section, whatever the order), the int/double rule, ranges, choices, read-only, on-set checks (veto) on declare and set, post-set listeners;
 * - time: the bus clock, or sim time from `/clock` when `use_sim_time` is true (then `ros` timers fire as
 *   `/clock` advances; `steady` timers stay on the bus clock);
 * - lifecycle: once `lifecycle(hooks)` is called the node is managed (unconfigured → inactive → active →
 *   finalized; a hook returning false fails the transition, a throwing hook sends the node to unconfigured, as
 *   rclnodejs's error processing does). Publishers are enabled just before the `activate` hook and disabled
 *   just after the `deactivate` hook, so both hooks can publish (e.g. the zero command on deactivate);
 * - close: lifecycle `shutdown` hook, then `onShutdown` hooks, with publishers still working; then every
 *   entity is destroyed. Messages already sent are still delivered to other nodes.
 */
import { type Observable, Subject } from 'rxjs';
import { ConfigError, TransportError } from '../../errors.js';
import { checkParamSpec, checkParamValue, coerceRawValue, type RawParamValue } from '../../params/index.js';
import type { MsgInput, MsgMap } from '../msgs.js';
import { nsFromTime } from '../msgs.js';
import { checkNodeName, fullyQualifiedName, normalizeNamespace, resolveTopicName } from '../names.js';
import { overridesForNode } from '../param-overrides.js';
import type { RosArgs } from '../ros-args.js';
import type {
  ClockKind,
  LifecycleHook,
  LifecycleState,
  LogLevel,
  ParamCheck,
  ParamSpec,
  ParamValue,
  QosName,
  Received,
  TimerHandle,
  Transport,
  TypeName,
} from '../types.js';
import {
  type BusCore,
  type Pub,
  QOS_PROFILES,
  type QosProfile,
  type Sub,
  type TimerEntry,
} from './bus-core.js';

const PARAM_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/**
 * rclnodejs subscribes `/clock` with the 3-argument `createSubscription` (lib/time_source.js:174-181), so with
 * the default profile (lib/node.js:611): reliable, keep-last 10, volatile. A best-effort `/clock` source (such as
 * `ros2 bag play --clock`) therefore never drives a rclnodejs node, and does not drive a bus node either.
 */
const CLOCK_QOS: QosProfile = QOS_PROFILES.default;

const TRANSITIONS: Readonly<Record<LifecycleHook, { from: readonly LifecycleState[]; to: LifecycleState }>> =
  {
    configure: { from: ['unconfigured'], to: 'inactive' },
    activate: { from: ['inactive'], to: 'active' },
    deactivate: { from: ['active'], to: 'inactive' },
    cleanup: { from: ['inactive'], to: 'unconfigured' },
    shutdown: { from: ['unconfigured', 'inactive', 'active'], to: 'finalized' },
  };

interface OwnTimer {
  entry: TimerEntry;
  clock: ClockKind;
}

interface NodePub {
  pub: Pub;
  warned: boolean;
}

function freezeValue(v: ParamValue): ParamValue {
  return Array.isArray(v) ? Object.freeze([...v]) : v;
}

export class BusNode implements Transport {
  readonly fqn: string;
  readonly name: string;
  readonly namespace: string;
  readonly #core: BusCore;
  readonly #args: RosArgs;
  readonly #overrides: Map<string, RawParamValue>;
  readonly #logLevel: LogLevel;
  readonly #params = new Map<string, { spec: ParamSpec; value: ParamValue }>();
  readonly #checks: ParamCheck[] = [];
  readonly #listeners: ((changes: Readonly<Record<string, ParamValue>>) => void)[] = [];
  readonly #pubs: NodePub[] = [];
  readonly #subs: { sub: Sub; complete: () => void }[] = [];
  readonly #timers: OwnTimer[] = [];
  readonly #shutdownHooks: (() => void)[] = [];
  #hooks: Partial<Record<LifecycleHook, () => boolean>> | undefined;
  #state: LifecycleState = 'active';
  #pubsActive = true;
  #started = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #useSimTime = false;
  #simNow = 0n;
  #clockSub: Sub | undefined;
  readonly #onClose: (node: BusNode) => void;

  constructor(core: BusCore, name: string, ns: string, args: RosArgs, onClose: (node: BusNode) => void) {
    this.#core = core;
    this.#args = args;
    this.#onClose = onClose;
    this.name = checkNodeName(args.nodeName ?? name);
    this.namespace = normalizeNamespace(args.namespace ?? ns);
    this.fqn = fullyQualifiedName(this.name, this.namespace);
    this.#logLevel = args.logLevel ?? 'info';
    const overrides = overridesForNode(args.params, this.name);
    this.#overrides = new Map(overrides.values);
    for (const where of overrides.ignored) {
      this.log(
        'warn',
        `params file ${where}: section ignored (rclnodejs reads only '/**' and '${this.name}', the node's bare name)`,
      );
    }
    this.declare('use_sim_time', {
      type: 'bool',
      default: false,
      description: 'Use /clock (rosgraph_msgs/msg/Clock) as the ROS time source',
    });
    this.#setSimTime(this.#params.get('use_sim_time')?.value === true);
  }

  get started(): boolean {
    return this.#started && !this.#closed;
  }

  // ---- names, time, logging ----------------------------------------------------------------------------------

  resolve(topic: string): string {
    return resolveTopicName(topic, this.name, this.namespace, this.#args.remaps);
  }

  nowNs(): bigint {
    return this.#useSimTime ? this.#simNow : this.#core.nowNs();
  }

  log(level: LogLevel, text: string): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.#logLevel]) return;
    const line = `[${this.fqn}] ${text}`;
    if (level === 'error') this.#core.logger.error(line);
    else if (level === 'warn') this.#core.logger.warn(line);
    else this.#core.logger.info(level === 'debug' ? `debug: ${line}` : line);
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw new TransportError(`${what}: node ${this.fqn} is closed`);
  }

  // ---- topics ------------------------------------------------------------------------------------------------

  advertise<T extends TypeName>(type: T, topic: string, qos: QosName): (msg: MsgInput<MsgMap[T]>) => void {
    this.#assertOpen(`advertise '${topic}'`);
    const profile = QOS_PROFILES[qos];
    if (!profile)
      throw new TransportError(
        `unknown QoS '${qos}' for '${topic}': use sensor, command, latched or default`,
      );
    const t = this.#core.topic(this.resolve(topic), type);
    const entry: NodePub = { pub: this.#core.addPub(this, t, profile), warned: false };
    this.#pubs.push(entry);
    return (msg) => {
      if (this.#closed) throw new TransportError(`publish on '${t.name}': node ${this.fqn} is closed`);
      if (!this.#pubsActive) {
        if (!entry.warned) {
          this.log(
            'warn',
            `publisher on '${t.name}' is not activated (node is ${this.#state}); message dropped`,
          );
          entry.warned = true;
        }
        return;
      }
      this.#core.publish(entry.pub, msg);
    };
  }

  observe<T extends TypeName>(type: T, topic: string, qos: QosName): Observable<Received<MsgMap[T]>> {
    this.#assertOpen(`observe '${topic}'`);
    const profile = QOS_PROFILES[qos];
    if (!profile)
      throw new TransportError(
        `unknown QoS '${qos}' for '${topic}': use sensor, command, latched or default`,
      );
    const t = this.#core.topic(this.resolve(topic), type);
    const subject = new Subject<Received<MsgMap[T]>>();
    const sub = this.#core.addSub(this, t, profile, (msg) =>
      subject.next({ msg: msg as MsgMap[T], recvNs: this.nowNs() }),
    );
    this.#subs.push({ sub, complete: () => subject.complete() });
    return subject.asObservable();
  }

  // ---- timers ------------------------------------------------------------------------------------------------

  every(periodNs: bigint, tick: () => void, clock: ClockKind = 'ros'): TimerHandle {
    this.#assertOpen('every()');
    if (clock !== 'ros' && clock !== 'steady')
      throw new TransportError(`unknown clock '${clock}': use 'ros' or 'steady'`);
    const onSim = clock === 'ros' && this.#useSimTime;
    const start = onSim ? this.#simNow : this.#core.nowNs();
    const own: OwnTimer = { entry: this.#core.addTimer(this, periodNs, tick, start, !onSim), clock };
    this.#timers.push(own);
    return {
      cancel: () => {
        const i = this.#timers.indexOf(own);
        if (i >= 0) this.#timers.splice(i, 1);
        this.#core.cancelTimer(own.entry);
      },
    };
  }

  #setSimTime(on: boolean): void {
    if (on === this.#useSimTime && (on ? this.#clockSub !== undefined : true)) return;
    this.#useSimTime = on;
    const base = on ? this.#simNow : this.#core.nowNs();
    for (const t of this.#timers) {
      if (t.clock !== 'ros') continue;
      t.entry.onBusClock = !on;
      t.entry.dueNs = base + t.entry.periodNs;
    }
    if (on && !this.#clockSub) {
      const topic = this.#core.topic('/clock', 'rosgraph_msgs/msg/Clock');
      this.#clockSub = this.#core.addSub(this, topic, CLOCK_QOS, (msg) =>
        this.#onClock(nsFromTime((msg as MsgMap['rosgraph_msgs/msg/Clock']).clock)),
      );
    } else if (!on && this.#clockSub) {
      this.#core.removeSub(this.#clockSub);
      this.#clockSub = undefined;
    }
    this.#core.rescheduleReal();
  }

  #onClock(ns: bigint): void {
    const rosTimers = () =>
      this.#timers.filter((t) => t.clock === 'ros' && !t.entry.cancelled).map((t) => t.entry);
    if (ns < this.#simNow) {
      // Time jumped back (a sim reset): restart the ROS timers from the new time.
      for (const e of rosTimers()) e.dueNs = ns + e.periodNs;
    }
    this.#simNow = ns;
    if (!this.#useSimTime) return;
    for (;;) {
      let best: TimerEntry | undefined;
      for (const e of rosTimers()) {
        if (e.dueNs <= ns && (!best || e.dueNs < best.dueNs || (e.dueNs === best.dueNs && e.seq < best.seq)))
          best = e;
      }
      if (!best || this.#closed) break;
      const due = best.dueNs + best.periodNs;
      best.dueNs = due > ns ? due : due + ((ns - due) / best.periodNs + 1n) * best.periodNs;
      best.tick();
    }
  }

  // ---- parameters ------------------------------------------------------------------------------------------

  declare(name: string, spec: ParamSpec): ParamValue {
    this.#assertOpen(`declare '${name}'`);
    if (!PARAM_NAME_RE.test(name)) {
      throw new ConfigError(
        `invalid parameter name: use '.'-separated tokens of letters, digits and '_'`,
        name,
      );
    }
    if (this.#params.has(name)) throw new ConfigError(`already declared on ${this.fqn}`, name);
    const specProblems = checkParamSpec(name, spec);
    if (specProblems.length > 0)
      throw new ConfigError(specProblems.map((message) => ({ path: name, message })));
    let value = spec.default;
    const raw = this.#overrides.get(name);
    if (raw !== undefined) {
      const r = coerceRawValue(name, spec, raw);
      if (!r.ok) throw new ConfigError(r.problems.map((message) => ({ path: name, message })));
      value = r.value;
    }
    const veto = this.#runChecks({ [name]: value });
    if (veto !== null) throw new ConfigError(`refused: ${veto}`, name);
    this.#params.set(name, { spec, value: freezeValue(value) });
    return this.#params.get(name)!.value;
  }

  param(name: string): ParamValue {
    const p = this.#params.get(name);
    if (!p) throw new ConfigError(`not declared on ${this.fqn}`, name);
    return p.value;
  }

  setParams(changes: Readonly<Record<string, ParamValue>>): string | null {
    this.#assertOpen('setParams()');
    const problems: string[] = [];
    for (const [name, value] of Object.entries(changes)) {
      const p = this.#params.get(name);
      if (!p) problems.push(`'${name}' is not declared on ${this.fqn}`);
      else if (p.spec.readOnly)
        problems.push(`'${name}' is read-only (static); set it with -p or a params file and restart`);
      else problems.push(...checkParamValue(name, p.spec, value));
    }
    if (problems.length > 0) return problems.join('; ');
    const veto = this.#runChecks(changes);
    if (veto !== null) return veto;
    for (const [name, value] of Object.entries(changes)) this.#params.get(name)!.value = freezeValue(value);
    if (Object.hasOwn(changes, 'use_sim_time')) this.#setSimTime(changes['use_sim_time'] === true);
    for (const l of this.#listeners) l(changes);
    return null;
  }

  #runChecks(changes: Readonly<Record<string, ParamValue>>): string | null {
    for (const check of this.#checks) {
      const reason = check(changes);
      if (reason !== null) return reason;
    }
    return null;
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
    if (this.#hooks) throw new TransportError(`lifecycle() called twice on ${this.fqn}`);
    if (this.#started) throw new TransportError(`lifecycle() must be called before start() on ${this.fqn}`);
    this.#hooks = { ...hooks };
    this.#state = 'unconfigured';
    this.#pubsActive = false;
  }

  lifecycleState(): LifecycleState {
    return this.#state;
  }

  transition(hook: LifecycleHook): boolean {
    if (!this.#hooks) {
      this.log(
        'warn',
        `transition '${hook}' ignored: ${this.fqn} is not a managed node (call lifecycle() first)`,
      );
      return false;
    }
    const rule = TRANSITIONS[hook];
    if (!rule.from.includes(this.#state)) {
      this.log('warn', `no transition '${hook}' from state '${this.#state}'`);
      return false;
    }
    const from = this.#state;
    if (hook === 'activate') this.#pubsActive = true;
    let ok: boolean;
    try {
      ok = this.#hooks[hook]?.() ?? true;
    } catch (err) {
      this.log(
        'error',
        `${hook} hook threw: ${err instanceof Error ? err.message : String(err)}; node goes to unconfigured`,
      );
      this.#state = 'unconfigured';
      this.#pubsActive = false;
      return false;
    }
    if (!ok) {
      this.log('warn', `${hook} hook failed; staying ${from}`);
      this.#state = from;
      this.#pubsActive = from === 'active';
      return false;
    }
    this.#state = rule.to;
    if (hook === 'deactivate' || hook === 'cleanup') this.#pubsActive = false;
    if (hook === 'activate') for (const p of this.#pubs) p.warned = false;
    return true;
  }

  onShutdown(hook: () => void): void {
    this.#shutdownHooks.push(hook);
  }

  start(): void {
    this.#assertOpen('start()');
    if (this.#started) return;
    this.#started = true;
    for (const { sub } of this.#subs) this.#core.schedule(sub);
    if (this.#clockSub) this.#core.schedule(this.#clockSub);
    this.#core.rescheduleReal();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#hooks && this.#state !== 'finalized') this.transition('shutdown');
    for (const hook of this.#shutdownHooks) {
      try {
        hook();
      } catch (err) {
        this.log('error', `shutdown hook threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.#closed = true;
    this.#state = 'finalized';
    this.#pubsActive = false;
    for (const t of this.#timers.splice(0)) this.#core.cancelTimer(t.entry);
    for (const { sub, complete } of this.#subs.splice(0)) {
      this.#core.removeSub(sub);
      complete();
    }
    if (this.#clockSub) this.#core.removeSub(this.#clockSub);
    this.#clockSub = undefined;
    for (const p of this.#pubs.splice(0)) this.#core.removePub(p.pub);
    this.#onClose(this);
  }
}
