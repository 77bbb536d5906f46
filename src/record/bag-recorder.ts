/**
 * Records tapped messages (a bus tap, or a tapped transport) into a ROS 2 MCAP bag without slowing the
 * publishers: the tap only pushes the event onto a bounded queue; CDR encoding and the file writes happen
 * later, on the next turn of the event loop. If the queue ever holds `maxPending` messages (the disk or the
 * encoder fell far behind), newer messages are dropped and counted instead of growing memory without bound.
 */
import { encodeCdr } from '../ros2msg/index.js';
import type { BusTap, BusTapEvent, MsgMap, TypeName } from '../transport/index.js';
import { type BagSummary, Ros2BagWriter } from './bag-writer.js';

export interface RecordSummary extends BagSummary {
  /** Messages dropped because the queue was full (0 unless the writer fell behind). */
  readonly dropped: number;
  /** Messages that could not be encoded (reported once each by topic in `errors`). */
  readonly failed: number;
  readonly errors: readonly string[];
  /** Time spent encoding and queueing writes on the recording thread, ms (the recorder's CPU cost). */
  readonly busyMs: number;
}

export interface BagRecorderOptions {
  /** Queue bound in messages (default 50 000, ~ a minute of the maze's traffic). */
  readonly maxPending?: number;
  /** The MCAP `library` header field. */
  readonly library?: string;
}

const defer: (fn: () => void) => void = globalThis.setImmediate;

export class BagRecorder {
  /** Give this to `bus.tap` or `tapTransport`. */
  readonly tap: BusTap;
  readonly #writer: Ros2BagWriter;
  readonly #maxPending: number;
  #pending: BusTapEvent[] = [];
  #scheduled = false;
  #closing = false;
  #dropped = 0;
  #failed = 0;
  #busyMs = 0;
  readonly #errors = new Map<string, string>();

  private constructor(writer: Ros2BagWriter, maxPending: number) {
    this.#writer = writer;
    this.#maxPending = maxPending;
    this.tap = (event) => {
      if (this.#closing) return;
      if (this.#pending.length >= this.#maxPending) {
        this.#dropped++;
        return;
      }
      this.#pending.push(event);
      if (!this.#scheduled) {
        this.#scheduled = true;
        defer(() => this.#drain());
      }
    };
  }

  /** Creates `file` (refusing to overwrite one) before anything is recorded. */
  static async create(file: string, options: BagRecorderOptions = {}): Promise<BagRecorder> {
    const writer = await Ros2BagWriter.create(file, options.library ?? 'df-planner');
    return new BagRecorder(writer, options.maxPending ?? 50_000);
  }

  get file(): string {
    return this.#writer.file;
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    const t0 = performance.now();
    for (const e of batch) {
      let cdr: Uint8Array;
      try {
        cdr = encodeCdr(e.type, e.msg as MsgMap[TypeName]);
      } catch (err) {
        this.#failed++;
        if (!this.#errors.has(e.topic)) this.#errors.set(e.topic, `${e.topic}: ${(err as Error).message}`);
        continue;
      }
      this.#writer.write(e.topic, e.type, e.qos, e.stampNs, cdr);
    }
    this.#busyMs += performance.now() - t0;
  }

  /** Stops taking messages, writes what is queued, and closes the bag. Idempotent; safe from a signal handler. */
  async close(): Promise<RecordSummary> {
    this.#closing = true;
    if (this.#pending.length > 0) this.#drain();
    const bag = await this.#writer.close();
    return {
      ...bag,
      dropped: this.#dropped,
      failed: this.#failed,
      errors: [...this.#errors.values()],
      busyMs: this.#busyMs,
    };
  }
}
