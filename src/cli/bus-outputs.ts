/**
 * What `run --record/--live` and `node --record` add to a bus or a node: a ROS 2 bag and the Foxglove live view.
 * Opened before the run (bag path checked and the file created, port bound), so a bad flag fails at once;
 * closed when the run ends, whichever way it ends (normal end, error, Ctrl-C): `close()` is idempotent, writes
 * what is still queued and finishes the MCAP file, so the bag stays readable.
 */
import { rmSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { FoxgloveLiveServer, type LiveStats } from '../live/index.js';
import type { Logger } from '../logging.js';
import { BagRecorder, checkBagPath, type RecordSummary, tapTransport } from '../record/index.js';
import type { Bus, Transport } from '../transport/index.js';

/** Foxglove's default port for WebSocket connections. */
export const DEFAULT_LIVE_PORT = 8765;

/** Option-table entries shared by the commands that offer them. */
export const RECORD_OPTION = {
  kind: 'string',
  description: 'write every topic to a ROS 2 bag (MCAP, CDR), e.g. runs/run.mcap; never overwrites',
} as const;
export const LIVE_OPTIONS = {
  live: {
    kind: 'integer',
    description: `serve the bus to Foxglove over WebSocket on this port (--live alone: ${DEFAULT_LIVE_PORT}; 0: any free port)`,
    min: 0,
    max: 65535,
  },
  'live-host': {
    kind: 'string',
    description: 'interface the live view listens on (the protocol has no authentication)',
    default: '127.0.0.1',
  },
} as const;

/** `--live` without a port (last, or followed by another flag) means the default port. */
export function withLivePort(argv: readonly string[]): string[] {
  return argv.flatMap((a, i) =>
    a === '--live' && (i + 1 >= argv.length || argv[i + 1]!.startsWith('-'))
      ? [`--live=${DEFAULT_LIVE_PORT}`]
      : [a],
  );
}

export interface BusOutputOptions {
  readonly record?: string | undefined;
  readonly live?: number | undefined;
  readonly liveHost?: string | undefined;
  readonly logger: Logger;
}

export interface BusOutputSummary {
  readonly bag?: RecordSummary;
  readonly live?: LiveStats & { readonly url: string };
}

export class BusOutputs {
  readonly #recorder: BagRecorder | null;
  readonly #live: FoxgloveLiveServer | null;
  readonly #logger: Logger;
  #closed: Promise<BusOutputSummary> | null = null;

  private constructor(recorder: BagRecorder | null, live: FoxgloveLiveServer | null, logger: Logger) {
    this.#recorder = recorder;
    this.#live = live;
    this.#logger = logger;
  }

  static async open(o: BusOutputOptions): Promise<BusOutputs> {
    let recorder: BagRecorder | null = null;
    if (o.record !== undefined) {
      checkBagPath(o.record);
      try {
        recorder = await BagRecorder.create(o.record, { library: 'df-planner' });
      } catch (err) {
        throw new ConfigError(
          `${o.record}: cannot create the bag (${(err as Error).message}); choose a writable path`,
          '--record',
        );
      }
    }
    let live: FoxgloveLiveServer | null = null;
    if (o.live !== undefined) {
      try {
        live = await FoxgloveLiveServer.start({ port: o.live, host: o.liveHost ?? '127.0.0.1' });
      } catch (err) {
        // Leave no empty bag behind a run that never started.
        if (recorder) {
          await recorder.close();
          rmSync(recorder.file, { force: true });
        }
        throw err;
      }
      o.logger.info(
        `live view on ${live.url}: in Foxglove, Open connection → Foxglove WebSocket → ${live.url}`,
      );
    }
    return new BusOutputs(recorder, live, o.logger);
  }

  /** The live view's address (`ws://127.0.0.1:8765`), or null without `--live`. */
  get liveUrl(): string | null {
    return this.#live?.url ?? null;
  }

  /** Tap every message of `bus` (call before any node starts). */
  attachBus(bus: Bus): void {
    if (this.#recorder) bus.tap(this.#recorder.tap);
    if (this.#live) bus.tap(this.#live.tap);
  }

  /** `transport`, also feeding its node's published and received messages to the outputs. */
  wrapTransport(transport: Transport): Transport {
    let t = transport;
    if (this.#recorder) t = tapTransport(t, this.#recorder.tap);
    if (this.#live) t = tapTransport(t, this.#live.tap);
    return t;
  }

  /** Finish the bag and stop the live view. Idempotent: the first call does the work, later ones share it. */
  close(): Promise<BusOutputSummary> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<BusOutputSummary> {
    const out: { bag?: RecordSummary; live?: LiveStats & { url: string } } = {};
    if (this.#live) {
      out.live = { ...this.#live.stats(), url: this.#live.url };
      await this.#live.close();
    }
    if (this.#recorder) {
      out.bag = await this.#recorder.close();
      for (const e of out.bag.errors) this.#logger.warn(`bag: not recorded: ${e}`);
    }
    return out;
  }
}

/** Summary lines for the end of a run. */
export function busOutputLines(s: BusOutputSummary): string[] {
  const lines: string[] = [];
  if (s.bag) {
    const b = s.bag;
    const lost = b.dropped + b.failed > 0 ? `, ${b.dropped} dropped, ${b.failed} not encodable` : '';
    lines.push(
      `bag               ${b.file} (${b.messages} messages on ${b.topics} topics, ${(b.bytes / 1024).toFixed(0)} KiB${lost}); play: ros2 bag play ${b.file}`,
    );
  }
  if (s.live) {
    const l = s.live;
    lines.push(`live view         ${l.url}: ${l.sent} messages sent, ${l.dropped} dropped for slow clients`);
  }
  return lines;
}
