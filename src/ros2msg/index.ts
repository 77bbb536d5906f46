/**
 * ROS 2 message definitions and CDR for the transport's types, from the published packages (see definitions.ts):
 * what bags (src/record) and the live view (src/live) write. No transport, no I/O beyond reading the package's
 * shipped .msg texts.
 */
export { decodeCdr, encodeCdr } from './cdr.js';
export {
  messageDefinitions,
  type PublishedDistro,
  publishedDefinition,
  publishedName,
  ROS2_DISTRO,
  schemaText,
} from './definitions.js';
