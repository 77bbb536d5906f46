/**
 * The ROS 2 message definitions of every type the transport knows, taken from the published
 * `@foxglove/rosmsg-msgs-common` package (the .msg files of the ROS 2 distribution, parsed), never written here:
 * - `messageDefinitions(type)`: the parsed definitions, root first, then every nested type once (what a CDR
 *   writer or reader needs);
 * - `schemaText(type)`: the complete message definition in rosbag2's `ros2msg` encoding (the root .msg text,
 *   then each dependency after a line of 80 `=` and `MSG: pkg/Name`), as shipped in the package's msgdefs/.
 *
 * The parsed form names types without `/msg/` (`std_msgs/Header`) and turns builtin_interfaces/Time and
 * Duration into the primitives `time` and `duration` (CDR: int32 sec, uint32 nanosec, 4-byte aligned).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { MessageDefinition } from '@foxglove/message-definition';
import commonMsgs from '@foxglove/rosmsg-msgs-common';
import { TransportError } from '../errors.js';
import type { TypeName } from '../transport/index.js';

/** The distribution whose definitions the bags and the live view carry (the current ROS 2 LTS). */
export const ROS2_DISTRO = 'jazzy';

export type PublishedDistro = 'humble' | 'jazzy';

type DefinitionTable = Readonly<Record<string, MessageDefinition>>;

const TABLES: Readonly<Record<PublishedDistro, DefinitionTable>> = {
  humble: commonMsgs.ros2humble as unknown as DefinitionTable,
  jazzy: commonMsgs.ros2jazzy as unknown as DefinitionTable,
};

/** `nav_msgs/msg/Odometry` → `nav_msgs/Odometry`, the key of the published tables. */
export function publishedName(type: string): string {
  return type.replace('/msg/', '/');
}

/** The published definition of one type (constants included), or a TransportError naming the fix. */
export function publishedDefinition(type: string, distro: PublishedDistro = ROS2_DISTRO): MessageDefinition {
  const def = TABLES[distro][publishedName(type)];
  if (!def) {
    throw new TransportError(
      `${type} is not among the ROS 2 ${distro} definitions of @foxglove/rosmsg-msgs-common; it cannot be recorded or served`,
    );
  }
  return def;
}

const DEFINITIONS = new Map<string, MessageDefinition[]>();

/** The root definition of `type` followed by every complex type it uses (each once), for CDR encoding. */
export function messageDefinitions(
  type: TypeName,
  distro: PublishedDistro = ROS2_DISTRO,
): MessageDefinition[] {
  const key = `${distro}:${type}`;
  let out = DEFINITIONS.get(key);
  if (!out) {
    const root = publishedDefinition(type, distro);
    const list: MessageDefinition[] = [root];
    const seen = new Set([root.name]);
    for (let i = 0; i < list.length; i++) {
      for (const field of list[i]!.definitions) {
        if (field.isComplex !== true || seen.has(field.type)) continue;
        seen.add(field.type);
        list.push(publishedDefinition(field.type, distro));
      }
    }
    out = list;
    DEFINITIONS.set(key, out);
  }
  return out;
}

const msgdefsRoot = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@foxglove/rosmsg-msgs-common/package.json')),
  'msgdefs',
);
const SCHEMAS = new Map<string, string>();

/** The complete `ros2msg` message definition of `type` (dependencies included), as rosbag2 stores it. */
export function schemaText(type: TypeName, distro: PublishedDistro = ROS2_DISTRO): string {
  const key = `${distro}:${type}`;
  let text = SCHEMAS.get(key);
  if (text === undefined) {
    const [pkg, , name] = type.split('/');
    text = readFileSync(path.join(msgdefsRoot, `ros2${distro}`, pkg!, 'msg', `${name}.msg`), 'utf8');
    SCHEMAS.set(key, text);
  }
  return text;
}
