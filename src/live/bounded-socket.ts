/**
 * A client connection as the Foxglove server sees it, with a bound on what may wait in memory for that client:
 * once more than `maxBufferedBytes` are queued in the socket (the client stopped reading, is too slow, or its
 * network vanished without closing), binary message frames are dropped and counted until it catches up.
 * Control messages (JSON text: server info, channel advertisements) are always sent; they are rare and small.
 *
 * `send` takes one argument on purpose: the server then sends each message as one frame (header and payload
 * together), so a drop never leaves half a message on the wire.
 */
import type { WebSocket } from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: the IWebSocket contract of @foxglove/ws-protocol types events as any
type Handler = ((event: any) => void) | null | undefined;

export class BoundedSocket {
  readonly #ws: WebSocket;
  readonly #maxBufferedBytes: number;
  /** Binary frames dropped because the client was behind. */
  dropped = 0;
  /** Binary frames handed to the socket. */
  sent = 0;

  constructor(ws: WebSocket, maxBufferedBytes: number) {
    this.#ws = ws;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  get binaryType(): string {
    return this.#ws.binaryType;
  }
  set binaryType(value: string) {
    this.#ws.binaryType = value as WebSocket['binaryType'];
  }
  get protocol(): string {
    return this.#ws.protocol;
  }
  get onerror(): Handler {
    return this.#ws.onerror as Handler;
  }
  set onerror(fn: Handler) {
    this.#ws.onerror = (fn ?? null) as WebSocket['onerror'];
  }
  get onopen(): Handler {
    return this.#ws.onopen as Handler;
  }
  set onopen(fn: Handler) {
    this.#ws.onopen = (fn ?? null) as WebSocket['onopen'];
  }
  get onclose(): Handler {
    return this.#ws.onclose as Handler;
  }
  set onclose(fn: Handler) {
    this.#ws.onclose = (fn ?? null) as WebSocket['onclose'];
  }
  get onmessage(): Handler {
    return this.#ws.onmessage as Handler;
  }
  set onmessage(fn: Handler) {
    this.#ws.onmessage = (fn ?? null) as WebSocket['onmessage'];
  }

  /** Bytes waiting in memory for this client. */
  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  close(): void {
    this.#ws.close();
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (typeof data !== 'string') {
      if (this.#ws.bufferedAmount > this.#maxBufferedBytes) {
        this.dropped++;
        return;
      }
      this.sent++;
    }
    this.#ws.send(data);
  }
}
