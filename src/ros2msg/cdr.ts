/**
 * CDR (the ROS 2 wire format, what rmw sends and rosbag2 stores with serialization format `cdr`) for the
 * transport's message types, through @foxglove/rosmsg2-serialization and the published definitions.
 * One writer and one reader per type, built on first use.
 */
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import type { MsgMap, TypeName } from '../transport/index.js';
import { fixCdrStrings } from './cdr-string-fix.js';
import { messageDefinitions } from './definitions.js';

fixCdrStrings();

const WRITERS = new Map<TypeName, MessageWriter>();
const READERS = new Map<TypeName, MessageReader>();

/** The CDR bytes of a complete message of `type` (as the bus delivers it: typed arrays, `{sec, nanosec}`). */
export function encodeCdr<T extends TypeName>(type: T, msg: MsgMap[T]): Uint8Array {
  let writer = WRITERS.get(type);
  if (!writer) {
    writer = new MessageWriter(messageDefinitions(type));
    WRITERS.set(type, writer);
  }
  return writer.writeMessage(msg);
}

/** Decode CDR bytes of `type` (times as `{sec, nanosec}`, numeric arrays as typed arrays). */
export function decodeCdr<T extends TypeName>(type: T, bytes: ArrayBufferView): MsgMap[T] {
  let reader = READERS.get(type);
  if (!reader) {
    reader = new MessageReader(messageDefinitions(type));
    READERS.set(type, reader);
  }
  return reader.readMessage<MsgMap[T]>(bytes);
}
