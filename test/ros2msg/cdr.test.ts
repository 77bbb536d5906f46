/**
 * CDR through the published definitions: every transport type round-trips (defaults filled as the bus fills
 * them), and text outside ASCII keeps all its bytes (@foxglove/cdr 3.5.0 alone truncates it; see
 * src/ros2msg/cdr-string-fix.ts).
 */
import { describe, expect, it } from 'vitest';
import { decodeCdr, encodeCdr } from '../../src/ros2msg/index.js';
import { normalizeMessage, type TypeName } from '../../src/transport/index.js';
import { defaultMessage, MESSAGE_SCHEMA } from '../../src/transport/message-schema.js';

describe('CDR with the published ROS 2 definitions', () => {
  it('every type round-trips its default message', () => {
    for (const type of Object.keys(MESSAGE_SCHEMA) as TypeName[]) {
      const msg = defaultMessage(type);
      expect(decodeCdr(type, encodeCdr(type, msg)), type).toEqual(msg);
    }
  });

  it('keeps non-ASCII strings whole, in string fields and string arrays', () => {
    const joint = normalizeMessage('sensor_msgs/msg/JointState', {
      header: { frame_id: 'bâse → link' },
      name: ['épaule', 'coude 肘', 'ok'],
      position: [1, 2, 3],
    });
    const bytes = encodeCdr('sensor_msgs/msg/JointState', joint);
    expect(decodeCdr('sensor_msgs/msg/JointState', bytes)).toEqual(joint);
    // CDR length prefix = UTF-8 bytes + 1: 'bâse → link' is 11 UTF-16 units but 14 bytes.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(4 + 8, true)).toBe(15);
  });
});
