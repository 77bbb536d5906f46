/**
 * src/transport/message-schema.ts, field by field, against the published ROS 2 definitions
 * (@foxglove/rosmsg-msgs-common, Humble and Jazzy): names, order, primitive types, array kinds and fixed sizes,
 * nested types and defaults. A wrong field would make the bus deliver a shape rclnodejs never produces and the
 * CDR encoding of bags and the live view fail or lie, so it must not hide.
 *
 * Two readings of the parsed definitions are accepted as equal: the parser turns `byte` into `uint8` (both one
 * octet on the wire) and builtin_interfaces/Time and Duration into the primitives `time` and `duration`.
 */
import type { MessageDefinitionField } from '@foxglove/message-definition';
import { describe, expect, it } from 'vitest';
import {
  messageDefinitions,
  type PublishedDistro,
  publishedDefinition,
  publishedName,
} from '../../src/ros2msg/definitions.js';
import type { TypeName } from '../../src/transport/index.js';
import { MESSAGE_SCHEMA, messageFields } from '../../src/transport/message-schema.js';

const TYPES = Object.keys(MESSAGE_SCHEMA) as TypeName[];
const DISTROS: PublishedDistro[] = ['humble', 'jazzy'];

const AS_PRIMITIVE: Record<string, string> = {
  'builtin_interfaces/msg/Time': 'time',
  'builtin_interfaces/msg/Duration': 'duration',
};

/** Our field in the published vocabulary. */
function ours(type: TypeName): Record<string, unknown>[] {
  return messageFields(type).map((f) => {
    switch (f.kind) {
      case 'number':
        return { name: f.name, type: f.prim === 'byte' ? 'uint8' : f.prim, isArray: false, default: f.def };
      case 'bool':
        return { name: f.name, type: 'bool', isArray: false };
      case 'string':
        return { name: f.name, type: 'string', isArray: false };
      case 'numbers':
        return {
          name: f.name,
          type: f.prim === 'byte' ? 'uint8' : f.prim,
          isArray: true,
          ...(f.size !== undefined ? { arrayLength: f.size } : {}),
        };
      case 'strings':
        return { name: f.name, type: 'string', isArray: true };
      default:
        return {
          name: f.name,
          type: AS_PRIMITIVE[f.type] ?? publishedName(f.type),
          isArray: f.kind === 'msgs',
        };
    }
  });
}

/** The published fields (constants left out) in the same vocabulary. */
function theirs(type: TypeName, distro: PublishedDistro): Record<string, unknown>[] {
  return publishedDefinition(type, distro)
    .definitions.filter((f: MessageDefinitionField) => f.isConstant !== true)
    .map((f: MessageDefinitionField) => {
      const numeric = /^(u?int(8|16|32|64)|float(32|64))$/.test(f.type) && f.isArray !== true;
      return {
        name: f.name,
        type: f.type,
        isArray: f.isArray === true,
        ...(f.arrayLength !== undefined ? { arrayLength: f.arrayLength } : {}),
        ...(numeric ? { default: typeof f.defaultValue === 'number' ? f.defaultValue : 0 } : {}),
      };
    });
}

describe('message-schema.ts against the published ROS 2 definitions', () => {
  for (const distro of DISTROS) {
    it.each(TYPES.filter((t) => !(t in AS_PRIMITIVE)))(`${distro}: %s`, (type) => {
      expect(ours(type)).toEqual(theirs(type, distro));
    });
    it(`${distro}: Time and Duration are int32 sec, uint32 nanosec`, () => {
      for (const t of Object.keys(AS_PRIMITIVE) as TypeName[]) {
        expect(ours(t)).toEqual(theirs(t, distro));
      }
    });
  }

  it('every type resolves to a complete definition list for CDR (root first, no dangling nested type)', () => {
    for (const type of TYPES) {
      const defs = messageDefinitions(type);
      expect(defs[0]!.name).toBe(publishedName(type));
      const names = new Set(defs.map((d) => d.name));
      for (const d of defs)
        for (const f of d.definitions) if (f.isComplex === true) expect(names.has(f.type)).toBe(true);
    }
  });
});
