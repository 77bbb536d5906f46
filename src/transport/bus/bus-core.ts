/**
 * The shared part of the in-process bus: topics, QoS matching, per-subscriber keep-last queues with asynchronous
 * delivery, and the clock with its timers. Nodes (bus-node.ts) sit on top.
 *
 * Delivery: a publish copies the message into the queue of every matched subscription (keep-last `depth`: the
 * oldest is dropped when the consumer has not taken it yet) and schedules a round of the receiving node's
 * executor with `setImmediate`. A round is what rclnodejs's `Node.execute` does with the subscriptions that are
 * ready (lib/node.js:234-296 of rclnodejs 2.2.0): it takes one message from each, in the order the subscriptions
 * were created, whatever order the messages were published in. So when a publisher sends `reward` then `odom`,
 * a node that subscribed `odom` first gets `odom` first, as on ROS 2 (DDS gives no order across topics either).
 * A consumer that blocks the event loop sees only the newest `depth` messages of each topic — the DDS
 * reader-history behaviour. Nothing is delivered inside `publish()` or before the receiving node's `start()`.
 *
 * QoS (docs/ros2.md §3.1, §5.1): sensor = best effort, depth 5; command = reliable, depth 1; latched = reliable,
 * depth 1, transient local; default = reliable, depth 10. A reliable subscription never matches a best-effort
 * publisher, and a transient-local subscription never matches a volatile publisher (DDS request/offer rules);
 * both sides get a warning. A transient-local subscription receives the last message of every matched
 * transient-local publisher when it is created (latched replay).
 *
 * Time: `virtual` — time moves only through `advance`/`run`, firing due timers in (due time, creation) order;
 * `real` — epoch-based monotonic time and `setTimeout` scheduling. Late timers skip missed periods (rcl does).
 */
import { TransportError } from '../../errors.js';
import type { Logger } from '../../logging.js';
import { normalizeMessage } from '../message-schema.js';
import type { BusClock, BusTap, QosName, TypeName } from '../types.js';

/**
 * The real `setImmediate`, captured at load so that test fake timers cannot stall delivery. Real-time mode looks
 * up `setTimeout` and `process.hrtime` at call time, so vitest fake timers can drive it.
 */
const defer: (fn: () => void) => void = globalThis.setImmediate;

export interface QosProfile {
  readonly reliable: boolean;
  readonly transientLocal: boolean;
  readonly depth: number;
}

export const QOS_PROFILES: Readonly<Record<QosName, QosProfile>> = {
  sensor: { reliable: false, transientLocal: false, depth: 5 },
  command: { reliable: true, transientLocal: false, depth: 1 },
  latched: { reliable: true, transientLocal: true, depth: 1 },
  default: { reliable: true, transientLocal: false, depth: 10 },
};

/** What the core needs from a node. */
export interface Endpoint {
  readonly fqn: string;
  readonly started: boolean;
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
}

export interface Pub {
  readonly owner: Endpoint;
  readonly topic: Topic;
  readonly qos: QosProfile;
  last: unknown;
}

export interface Sub {
  readonly owner: Endpoint;
  readonly topic: Topic;
  readonly qos: QosProfile;
  readonly queue: unknown[];
  readonly deliver: (msg: unknown) => void;
  closed: boolean;
  /** Messages dropped by the keep-last queue (consumer too slow). */
  dropped: number;
}

export interface Topic {
  readonly name: string;
  readonly type: TypeName;
  readonly pubs: Pub[];
  readonly subs: Sub[];
}

export interface TimerEntry {
  readonly owner: Endpoint;
  readonly periodNs: bigint;
  dueNs: bigint;
  readonly seq: number;
  readonly tick: () => void;
  /** False while the timer follows another time source (a sim-time node's `ros` timer). */
  onBusClock: boolean;
  cancelled: boolean;
}

function incompatibility(pub: QosProfile, sub: QosProfile): string | null {
  if (sub.reliable && !pub.reliable) return 'RELIABILITY (reliable subscription, best-effort publisher)';
  if (sub.transientLocal && !pub.transientLocal)
    return 'DURABILITY (transient-local subscription, volatile publisher)';
  return null;
}

/** Next due time after a late firing at `now`: keep the phase, skip missed periods. */
export function nextDue(dueNs: bigint, periodNs: bigint, now: bigint): bigint {
  const next = dueNs + periodNs;
  if (next > now) return next;
  return next + ((now - next) / periodNs + 1n) * periodNs;
}

export class BusCore {
  readonly topics = new Map<string, Topic>();
  readonly timers: TimerEntry[] = [];
  /** Listeners that see every published message (recorders, viewers); see `Bus.tap`. */
  readonly taps = new Set<BusTap>();
  readonly logger: Logger;
  readonly mode: 'virtual' | 'real';
  readonly clock: BusClock;
  #virtualNow: bigint;
  #realStartWall = 0n;
  #realStartMono = 0n;
  #pending = 0;
  #seq = 0;
  #firing = false;
  #realTimeout: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Each node's subscriptions in creation order (its executor's order) and whether a round is scheduled. */
  readonly #executors = new Map<Endpoint, { subs: Sub[]; scheduled: boolean }>();

  constructor(mode: 'virtual' | 'real', startNs: bigint, logger: Logger) {
    this.mode = mode;
    this.logger = logger;
    this.#virtualNow = startNs;
    if (mode === 'real') {
      this.#realStartWall = BigInt(Date.now()) * 1_000_000n;
      this.#realStartMono = process.hrtime.bigint();
    }
    this.clock = {
      mode,
      nowNs: () => this.nowNs(),
      advance: (ns: bigint) => this.advance(ns),
    };
  }

  nowNs(): bigint {
    return this.mode === 'virtual'
      ? this.#virtualNow
      : this.#realStartWall + (process.hrtime.bigint() - this.#realStartMono);
  }

  // ---- topics ------------------------------------------------------------------------------------------------

  topic(name: string, type: TypeName): Topic {
    let t = this.topics.get(name);
    if (t && t.type !== type) {
      throw new TransportError(
        `topic '${name}' carries ${t.type}; cannot use it as ${type} (rename or remap one of them)`,
      );
    }
    if (!t) {
      t = { name, type, pubs: [], subs: [] };
      this.topics.set(name, t);
    }
    return t;
  }

  #dropTopicIfEmpty(t: Topic): void {
    if (t.pubs.length === 0 && t.subs.length === 0) this.topics.delete(t.name);
  }

  #warnMismatch(pub: Pub, sub: Sub, policy: string): void {
    pub.owner.log(
      'warn',
      `subscription on '${pub.topic.name}' from ${sub.owner.fqn} requests an incompatible QoS; no messages will be sent to it. Policy: ${policy}`,
    );
    sub.owner.log(
      'warn',
      `publisher on '${pub.topic.name}' from ${pub.owner.fqn} offers an incompatible QoS; no messages will be received from it. Policy: ${policy}`,
    );
  }

  addPub(owner: Endpoint, t: Topic, qos: QosProfile): Pub {
    const pub: Pub = { owner, topic: t, qos, last: undefined };
    t.pubs.push(pub);
    for (const sub of t.subs) {
      const bad = incompatibility(qos, sub.qos);
      if (bad) this.#warnMismatch(pub, sub, bad);
    }
    return pub;
  }

  removePub(pub: Pub): void {
    const i = pub.topic.pubs.indexOf(pub);
    if (i >= 0) pub.topic.pubs.splice(i, 1);
    this.#dropTopicIfEmpty(pub.topic);
  }

  addSub(owner: Endpoint, t: Topic, qos: QosProfile, deliver: (msg: unknown) => void): Sub {
    const sub: Sub = {
      owner,
      topic: t,
      qos,
      queue: [],
      deliver,
      closed: false,
      dropped: 0,
    };
    t.subs.push(sub);
    let exec = this.#executors.get(owner);
    if (!exec) {
      exec = { subs: [], scheduled: false };
      this.#executors.set(owner, exec);
    }
    exec.subs.push(sub);
    for (const pub of t.pubs) {
      const bad = incompatibility(pub.qos, qos);
      if (bad) this.#warnMismatch(pub, sub, bad);
      else if (qos.transientLocal && pub.last !== undefined) this.#enqueue(sub, pub.last);
    }
    return sub;
  }

  removeSub(sub: Sub): void {
    sub.closed = true;
    sub.queue.length = 0;
    const i = sub.topic.subs.indexOf(sub);
    if (i >= 0) sub.topic.subs.splice(i, 1);
    const exec = this.#executors.get(sub.owner);
    if (exec) {
      const k = exec.subs.indexOf(sub);
      if (k >= 0) exec.subs.splice(k, 1);
      if (exec.subs.length === 0 && !exec.scheduled) this.#executors.delete(sub.owner);
    }
    this.#dropTopicIfEmpty(sub.topic);
  }

  /** Copy `input` into every matched queue. The message is normalised (defaults, typed arrays) once here. */
  publish(pub: Pub, input: unknown): void {
    const msg = normalizeMessage(pub.topic.type, input);
    if (pub.qos.transientLocal) pub.last = msg;
    if (this.taps.size > 0) this.#tap(pub, msg);
    for (const sub of pub.topic.subs) {
      if (incompatibility(pub.qos, sub.qos) === null) this.#enqueue(sub, msg);
    }
  }

  /** Hand the (shared, never mutated) message to every tap; a failing tap is removed, never the publisher's problem. */
  #tap(pub: Pub, msg: unknown): void {
    const event = { topic: pub.topic.name, type: pub.topic.type, qos: pub.qos, msg, stampNs: this.nowNs() };
    for (const tap of this.taps) {
      try {
        tap(event);
      } catch (err) {
        this.taps.delete(tap);
        this.logger.error(`bus tap removed after it threw: ${(err as Error).message}`);
      }
    }
  }

  #enqueue(sub: Sub, msg: unknown): void {
    if (sub.closed) return;
    sub.queue.push(msg);
    if (sub.queue.length > sub.qos.depth) {
      sub.queue.shift();
      sub.dropped++;
    }
    this.schedule(sub);
  }

  /** Arrange delivery of `sub`'s queue: a round of its node's executor (no-op before the node starts). */
  schedule(sub: Sub): void {
    if (sub.closed || !sub.owner.started || sub.queue.length === 0) return;
    const exec = this.#executors.get(sub.owner);
    if (!exec || exec.scheduled) return;
    exec.scheduled = true;
    this.#pending++;
    defer(() => this.#round(sub.owner, exec));
  }

  /** One executor round: one message from each ready subscription, in creation order. */
  #round(owner: Endpoint, exec: { subs: Sub[]; scheduled: boolean }): void {
    exec.scheduled = false;
    this.#pending--;
    const ready = exec.subs.filter((s) => !s.closed && s.queue.length > 0);
    try {
      for (const sub of ready) {
        if (sub.closed || !owner.started) continue;
        const msg = sub.queue.shift();
        if (msg === undefined) continue;
        // Each subscription gets its own copy, as each rclnodejs subscription deserialises its own.
        sub.deliver(normalizeMessage(sub.topic.type, msg));
      }
    } finally {
      if (exec.subs.length === 0) this.#executors.delete(owner);
      const next = exec.subs.find((s) => !s.closed && s.queue.length > 0);
      if (next) this.schedule(next);
    }
  }

  /** Resolves when no delivery is pending. */
  async idle(): Promise<void> {
    for (let rounds = 0; this.#pending > 0; rounds++) {
      if (rounds > 1_000_000) {
        throw new TransportError(
          'the bus did not settle after 1e6 rounds: some subscriber republishes every message it gets',
        );
      }
      await new Promise<void>((resolve) => defer(resolve));
    }
  }

  // ---- timers --------------------------------------------------------------------------------------------

  addTimer(
    owner: Endpoint,
    periodNs: bigint,
    tick: () => void,
    startNs: bigint,
    onBusClock: boolean,
  ): TimerEntry {
    if (typeof periodNs !== 'bigint' || periodNs <= 0n) {
      throw new TransportError(
        `timer period must be a positive bigint in ns, got ${String(periodNs)} (e.g. 50_000_000n for 20 Hz)`,
      );
    }
    const t: TimerEntry = {
      owner,
      periodNs,
      dueNs: startNs + periodNs,
      seq: this.#seq++,
      tick,
      onBusClock,
      cancelled: false,
    };
    this.timers.push(t);
    this.rescheduleReal();
    return t;
  }

  cancelTimer(t: TimerEntry): void {
    t.cancelled = true;
    const i = this.timers.indexOf(t);
    if (i >= 0) this.timers.splice(i, 1);
    this.rescheduleReal();
  }

  /** The earliest timer on the bus clock of a started node, by (due, creation). */
  #earliest(): TimerEntry | undefined {
    let best: TimerEntry | undefined;
    for (const t of this.timers) {
      if (t.cancelled || !t.onBusClock || !t.owner.started) continue;
      if (!best || t.dueNs < best.dueNs || (t.dueNs === best.dueNs && t.seq < best.seq)) best = t;
    }
    return best;
  }

  #fire(t: TimerEntry, now: bigint): void {
    t.dueNs = nextDue(t.dueNs, t.periodNs, now);
    t.tick();
  }

  /** Virtual mode: fire the earliest timer due at or before `limit` (time moves to its due time). */
  fireNext(limit: bigint): boolean {
    const t = this.#earliest();
    if (!t || t.dueNs > limit) return false;
    if (t.dueNs > this.#virtualNow) this.#virtualNow = t.dueNs;
    this.#fire(t, this.#virtualNow);
    return true;
  }

  advance(ns: bigint): void {
    if (this.mode !== 'virtual') {
      throw new TransportError(
        'the bus runs in real time; advance() is for a virtual-time bus (createBus({ time: "virtual" }))',
      );
    }
    if (ns < 0n) throw new TransportError(`cannot move time backwards (advance(${ns}))`);
    if (this.#firing) throw new TransportError('advance() called from inside a timer callback');
    const target = this.#virtualNow + ns;
    this.#firing = true;
    try {
      while (this.fireNext(target)) {}
    } finally {
      this.#firing = false;
    }
    this.#virtualNow = target;
  }

  /** Virtual mode: like `advance`, but lets deliveries settle after each timer firing. */
  async run(ns: bigint): Promise<void> {
    if (this.mode !== 'virtual') throw new TransportError('run() is for a virtual-time bus');
    if (ns < 0n) throw new TransportError(`cannot move time backwards (run(${ns}))`);
    const target = this.#virtualNow + ns;
    await this.idle();
    while (this.fireNext(target)) await this.idle();
    this.#virtualNow = target;
    await this.idle();
  }

  /** Real mode: (re)arm one `setTimeout` for the earliest due timer. */
  rescheduleReal(): void {
    if (this.mode !== 'real') return;
    if (this.#realTimeout !== undefined) clearTimeout(this.#realTimeout);
    this.#realTimeout = undefined;
    if (this.#closed) return;
    const t = this.#earliest();
    if (!t) return;
    const delayMs = Number(t.dueNs - this.nowNs()) / 1e6;
    this.#realTimeout = setTimeout(() => this.#onRealTimeout(), Math.max(0, delayMs));
  }

  #onRealTimeout(): void {
    this.#realTimeout = undefined;
    const now = this.nowNs();
    try {
      for (;;) {
        const t = this.#earliest();
        if (!t || t.dueNs > now) break;
        this.#fire(t, now);
      }
    } finally {
      this.rescheduleReal();
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#realTimeout !== undefined) clearTimeout(this.#realTimeout);
    this.#realTimeout = undefined;
  }
}
