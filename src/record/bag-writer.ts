/**
 * A ROS 2 bag in one MCAP file, as rosbag2's default storage writes it: profile `ros2`, one `ros2msg` schema
 * per message type (the complete definition, src/ros2msg), one `cdr` channel per topic with the publisher's QoS,
 * messages with log time = publish time = the bus clock, per-channel sequence numbers, chunked and indexed with
 * statistics (rosbag2 reads message counts and times from the summary), and at the end the `rosbag2` metadata
 * record (rosbag2-metadata.ts).
 *
 * Calls are queued internally (the MCAP writer must never see two calls at once), so `write` can be called
 * without awaiting; `close` waits for everything queued and ends the file.
 */
import path from 'node:path';
import { McapWriter } from '@mcap/core';
import { ROS2_DISTRO, schemaText } from '../ros2msg/index.js';
import type { BusTapEvent, TypeName } from '../transport/index.js';
import { FileSink } from './file-sink.js';
import { type BagTopicInfo, offeredQosYaml, serializedBagMetadata } from './rosbag2-metadata.js';

interface Channel {
  readonly id: Promise<number>;
  readonly info: { topic: string; type: TypeName; qos: BusTapEvent['qos']; messageCount: number };
  sequence: number;
}

export interface BagSummary {
  readonly file: string;
  readonly messages: number;
  readonly topics: number;
  readonly bytes: number;
}

export class Ros2BagWriter {
  readonly file: string;
  readonly #sink: FileSink;
  readonly #mcap: McapWriter;
  readonly #schemas = new Map<TypeName, Promise<number>>();
  readonly #channels = new Map<string, Channel>();
  #queue: Promise<unknown>;
  #error: Error | null = null;
  #startNs: bigint | null = null;
  #endNs = 0n;
  #messages = 0;
  #closed: Promise<BagSummary> | null = null;

  private constructor(file: string, sink: FileSink, library: string) {
    this.file = file;
    this.#sink = sink;
    // 4 MiB chunks, uncompressed: rosbag2's defaults for MCAP.
    this.#mcap = new McapWriter({ writable: sink, chunkSize: 4 * 1024 * 1024 });
    this.#queue = this.#mcap.start({ profile: 'ros2', library });
  }

  /** Creates the file (never overwriting one) and writes the MCAP header. */
  static async create(file: string, library: string): Promise<Ros2BagWriter> {
    return new Ros2BagWriter(file, await FileSink.create(file), library);
  }

  /** Messages written so far. */
  get messages(): number {
    return this.#messages;
  }

  /** Queue one CDR-encoded message. The first message of a topic registers its schema and channel. */
  write(topic: string, type: TypeName, qos: BusTapEvent['qos'], stampNs: bigint, cdr: Uint8Array): void {
    if (this.#closed) return;
    const channel = this.#channels.get(topic) ?? this.#addChannel(topic, type, qos);
    channel.info.messageCount++;
    const sequence = channel.sequence++ >>> 0;
    this.#messages++;
    if (this.#startNs === null) this.#startNs = stampNs;
    if (stampNs > this.#endNs) this.#endNs = stampNs;
    this.#enqueue(async () =>
      this.#mcap.addMessage({
        channelId: await channel.id,
        sequence,
        logTime: stampNs,
        publishTime: stampNs,
        data: cdr,
      }),
    );
  }

  #addChannel(topic: string, type: TypeName, qos: BusTapEvent['qos']): Channel {
    let schema = this.#schemas.get(type);
    if (!schema) {
      const data = new TextEncoder().encode(schemaText(type));
      schema = this.#enqueue(() => this.#mcap.registerSchema({ name: type, encoding: 'ros2msg', data }));
      this.#schemas.set(type, schema);
    }
    const schemaId = schema;
    const id = this.#enqueue(async () =>
      this.#mcap.registerChannel({
        topic,
        schemaId: await schemaId,
        messageEncoding: 'cdr',
        metadata: new Map([
          ['offered_qos_profiles', offeredQosYaml(qos)],
          ['topic_type_hash', ''],
        ]),
      }),
    );
    const channel: Channel = { id, info: { topic, type, qos, messageCount: 0 }, sequence: 0 };
    this.#channels.set(topic, channel);
    return channel;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(op);
    // Keep the chain alive after a failure; the first error is reported by close().
    this.#queue = next.catch((err: unknown) => {
      this.#error ??= err as Error;
    });
    return next;
  }

  /** Waits for every queued write, writes the rosbag2 metadata and the summary, closes the file. Idempotent. */
  close(): Promise<BagSummary> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<BagSummary> {
    try {
      await this.#queue;
      const topics: BagTopicInfo[] = [...this.#channels.values()].map((c) => ({ ...c.info }));
      const start = this.#startNs ?? 0n;
      await this.#enqueue(() =>
        this.#mcap.addMetadata({
          name: 'rosbag2',
          metadata: new Map([
            [
              'serialized_metadata',
              serializedBagMetadata({
                fileName: path.basename(this.file),
                startNs: start,
                endNs: this.#endNs > start ? this.#endNs : start,
                messageCount: this.#messages,
                topics,
                rosDistro: ROS2_DISTRO,
              }),
            ],
            ['ROS_DISTRO', ROS2_DISTRO],
          ]),
        }),
      );
      await this.#enqueue(() => this.#mcap.end());
    } finally {
      await this.#sink.close();
    }
    if (this.#error) throw this.#error;
    return {
      file: this.file,
      messages: this.#messages,
      topics: this.#channels.size,
      bytes: Number(this.#sink.position()),
    };
  }
}
