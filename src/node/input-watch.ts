/**
 * Notices a subscribed topic the node needs that has delivered nothing at all, e.g. `odom_topic:=nowhere` or a
 * sim that never started: after `SILENT_TOPIC_NS` of node time from the start (or from re-activation) with no
 * message, the topic is "silent" until one arrives. The node logs it once and reports it in diagnostics (WARN),
 * instead of waiting quietly for ever. After the first message, staleness is the sensor timeout's job.
 */

/** Node time with no message on a needed topic before the node warns (3 s: a sim starting up is quicker). */
export const SILENT_TOPIC_NS = 3_000_000_000n;

export class SilentTopicWatch {
  readonly #sinceNs = new Map<string, bigint>();
  readonly #warned = new Set<string>();

  /** `topics`: resolved names of the topics to watch; `nowNs`: when waiting for them began. */
  constructor(topics: readonly string[], nowNs: bigint) {
    for (const topic of topics) this.#sinceNs.set(topic, nowNs);
  }

  /** Something arrived on `topic` (valid or not: the topic is connected). */
  heard(topic: string): void {
    this.#sinceNs.delete(topic);
    this.#warned.delete(topic);
  }

  /** Start waiting again from `nowNs` for topics not heard yet (after re-activation). */
  restart(nowNs: bigint): void {
    for (const topic of this.#sinceNs.keys()) this.#sinceNs.set(topic, nowNs);
    this.#warned.clear();
  }

  /** Topics silent for longer than `SILENT_TOPIC_NS` at `nowNs`, with how long (ns). */
  silent(nowNs: bigint): { topic: string; forNs: bigint }[] {
    const out: { topic: string; forNs: bigint }[] = [];
    for (const [topic, since] of this.#sinceNs) {
      if (nowNs - since >= SILENT_TOPIC_NS) out.push({ topic, forNs: nowNs - since });
    }
    return out;
  }

  /** The silent topics not announced yet (each is returned once per silence, for the log). */
  newlySilent(nowNs: bigint): { topic: string; forNs: bigint }[] {
    const fresh = this.silent(nowNs).filter((s) => !this.#warned.has(s.topic));
    for (const s of fresh) this.#warned.add(s.topic);
    return fresh;
  }
}
