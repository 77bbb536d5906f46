/**
 * ROS 2 bags (MCAP, rosbag2's default storage) of bus traffic: `BagRecorder` (tap → bounded queue → CDR →
 * `Ros2BagWriter`), `tapTransport` for a lone node, and the bag path check.
 */
export { BagRecorder, type BagRecorderOptions, type RecordSummary } from './bag-recorder.js';
export { type BagSummary, Ros2BagWriter } from './bag-writer.js';
export { checkBagPath } from './check-bag-path.js';
export { tapTransport } from './tap-transport.js';
