/**
 * Reads a ROS 2 MCAP bag back the way a bag tool does: the indexed reader (summary, statistics, metadata), and
 * every message decoded with a CDR reader built from the bag's own `ros2msg` schema text (parsed by
 * @foxglove/rosmsg as a ROS 2 definition), never from the writer's in-memory definitions.
 */
import { readFileSync } from 'node:fs';
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { McapIndexedReader } from '@mcap/core';

export interface ReadBag {
  readonly profile: string;
  readonly library: string;
  readonly schemas: { name: string; encoding: string; text: string }[];
  readonly channels: {
    topic: string;
    schemaName: string;
    messageEncoding: string;
    metadata: Map<string, string>;
  }[];
  readonly messages: {
    topic: string;
    type: string;
    logTime: bigint;
    sequence: number;
    bytes: number;
    msg: unknown;
  }[];
  readonly metadata: { name: string; metadata: Map<string, string> }[];
  readonly statistics: { messageCount: bigint; channelCount: number; schemaCount: number } | undefined;
}

export async function readBag(file: string): Promise<ReadBag> {
  const data = readFileSync(file);
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(data.byteLength),
      read: async (offset, size) =>
        new Uint8Array(data.buffer, data.byteOffset + Number(offset), Number(size)),
    },
  });
  const decoders = new Map<number, MessageReader>();
  const text = new TextDecoder();
  for (const [id, schema] of reader.schemasById) {
    decoders.set(id, new MessageReader(parse(text.decode(schema.data), { ros2: true })));
  }
  const messages: ReadBag['messages'] = [];
  for await (const m of reader.readMessages()) {
    const channel = reader.channelsById.get(m.channelId)!;
    const schema = reader.schemasById.get(channel.schemaId)!;
    messages.push({
      topic: channel.topic,
      type: schema.name,
      logTime: m.logTime,
      sequence: m.sequence,
      bytes: m.data.byteLength,
      msg: decoders.get(schema.id)!.readMessage(m.data),
    });
  }
  const metadata: ReadBag['metadata'] = [];
  for await (const m of reader.readMetadata()) metadata.push({ name: m.name, metadata: m.metadata });
  return {
    profile: reader.header.profile,
    library: reader.header.library,
    schemas: [...reader.schemasById.values()].map((s) => ({
      name: s.name,
      encoding: s.encoding,
      text: text.decode(s.data),
    })),
    channels: [...reader.channelsById.values()].map((c) => ({
      topic: c.topic,
      schemaName: reader.schemasById.get(c.schemaId)!.name,
      messageEncoding: c.messageEncoding,
      metadata: c.metadata,
    })),
    messages,
    metadata,
    statistics: reader.statistics,
  };
}
