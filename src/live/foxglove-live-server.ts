/**
 * The bus, live, over the Foxglove WebSocket protocol (`foxglove.websocket.v1`, @foxglove/ws-protocol on a `ws`
 * server): Foxglove opens `ws://127.0.0.1:PORT` and sees every topic as it is first published, each with its
 * `ros2msg` schema (the complete published definition) and `cdr` encoding, exactly as in a bag.
 *
 * Never in the planner's way:
 * - the tap only pushes onto a bounded queue (the oldest event is dropped beyond `maxPending`); encoding and
 *   sending happen on a later turn of the event loop;
 * - a topic nobody subscribes to is not even encoded;
 * - each client has a bounded send buffer (BoundedSocket): a slow, stalled or vanished client loses messages,
 *   and nobody waits for it.
 * Bound to 127.0.0.1 unless another host is given: the protocol has no authentication.
 */
import wsProtocol from '@foxglove/ws-protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import { ConfigError } from '../errors.js';
import { encodeCdr, ROS2_DISTRO, schemaText } from '../ros2msg/index.js';
import type { BusTap, BusTapEvent, MsgMap, TypeName } from '../transport/index.js';
import { BoundedSocket } from './bounded-socket.js';

const { FoxgloveServer } = wsProtocol;

export interface LiveServerOptions {
  /** TCP port; 0 picks a free one (see `port` after start). */
  readonly port: number;
  /** Interface to bind (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** Per-client bound on queued bytes before messages are dropped (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** Bound on messages waiting to be encoded (default 2000). */
  readonly maxPending?: number;
  readonly name?: string;
}

export interface LiveStats {
  readonly clients: number;
  readonly topics: number;
  /** Message frames handed to client sockets, and frames dropped for clients that were behind. */
  readonly sent: number;
  readonly dropped: number;
  /** Events dropped before encoding because the queue was full. */
  readonly droppedPending: number;
  /** Time spent encoding and sending, ms. */
  readonly busyMs: number;
}

const defer: (fn: () => void) => void = globalThis.setImmediate;

export class FoxgloveLiveServer {
  readonly tap: BusTap;
  readonly host: string;
  readonly #wss: WebSocketServer;
  readonly #server: InstanceType<typeof FoxgloveServer>;
  readonly #channels = new Map<string, number>();
  readonly #subscribed = new Set<number>();
  readonly #sockets = new Set<BoundedSocket>();
  readonly #maxPending: number;
  #pending: BusTapEvent[] = [];
  #scheduled = false;
  #closed = false;
  #droppedPending = 0;
  #busyMs = 0;
  #sentByGone = 0;
  #droppedByGone = 0;

  private constructor(
    wss: WebSocketServer,
    server: InstanceType<typeof FoxgloveServer>,
    host: string,
    options: LiveServerOptions,
  ) {
    this.#wss = wss;
    this.#server = server;
    this.host = host;
    this.#maxPending = options.maxPending ?? 2000;
    this.#server.on('subscribe', (id) => this.#subscribed.add(id));
    this.#server.on('unsubscribe', (id) => this.#subscribed.delete(id));
    this.#server.on('error', () => {
      // A malformed client request: the server already answered it with a status message.
    });
    const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    let n = 0;
    wss.on('connection', (ws: WebSocket, req) => {
      const socket = new BoundedSocket(ws, maxBuffered);
      this.#sockets.add(socket);
      ws.on('close', () => {
        this.#sockets.delete(socket);
        this.#sentByGone += socket.sent;
        this.#droppedByGone += socket.dropped;
      });
      ws.on('error', () => ws.terminate());
      this.#server.handleConnection(socket, `${req.socket.remoteAddress}:${req.socket.remotePort} #${++n}`);
    });
    this.tap = (event) => {
      if (this.#closed) return;
      if (this.#pending.length >= this.#maxPending) {
        this.#pending.shift();
        this.#droppedPending++;
      }
      this.#pending.push(event);
      if (!this.#scheduled) {
        this.#scheduled = true;
        defer(() => this.#drain());
      }
    };
  }

  /** Binds the server; a port in use or a bad host is a ConfigError naming the flag and the fix. */
  static async start(options: LiveServerOptions): Promise<FoxgloveLiveServer> {
    const host = options.host ?? '127.0.0.1';
    const server = new FoxgloveServer({
      name: options.name ?? 'df-planner',
      capabilities: [],
      metadata: { ROS_DISTRO: ROS2_DISTRO },
    });
    const wss = new WebSocketServer({
      host,
      port: options.port,
      handleProtocols: (protocols) => server.handleProtocols(protocols),
    });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', (err: NodeJS.ErrnoException) => {
        wss.close();
        reject(
          err.code === 'EADDRINUSE'
            ? new ConfigError(
                `port ${options.port} is in use on ${host}; pick another port (e.g. --live ${options.port + 1}) or 0 for any free one`,
                '--live',
              )
            : new ConfigError(
                `${host}: cannot listen there (${err.message}); use 127.0.0.1 or an address of this machine`,
                '--live-host',
              ),
        );
      });
    });
    return new FoxgloveLiveServer(wss, server, host, options);
  }

  get port(): number {
    const address = this.#wss.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** The address to open in Foxglove. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `ws://${host}:${this.port}`;
  }

  stats(): LiveStats {
    let sent = this.#sentByGone;
    let dropped = this.#droppedByGone;
    for (const s of this.#sockets) {
      sent += s.sent;
      dropped += s.dropped;
    }
    return {
      clients: this.#sockets.size,
      topics: this.#channels.size,
      sent,
      dropped,
      droppedPending: this.#droppedPending,
      busyMs: this.#busyMs,
    };
  }

  #channel(event: BusTapEvent): number {
    let id = this.#channels.get(event.topic);
    if (id === undefined) {
      id = this.#server.addChannel({
        topic: event.topic,
        encoding: 'cdr',
        schemaName: event.type,
        schema: schemaText(event.type),
        schemaEncoding: 'ros2msg',
      });
      this.#channels.set(event.topic, id);
    }
    return id;
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (this.#closed) return;
    const t0 = performance.now();
    for (const e of batch) {
      const id = this.#channel(e);
      if (!this.#subscribed.has(id)) continue;
      let cdr: Uint8Array;
      try {
        cdr = encodeCdr(e.type, e.msg as MsgMap[TypeName]);
      } catch {
        continue; // the bag recorder reports encoding errors; the live view just skips the message
      }
      this.#server.sendMessage(id, e.stampNs, cdr);
    }
    this.#busyMs += performance.now() - t0;
  }

  /** Closes every client connection and the listening socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
