/**
 * T1 (docs/ros2.md §5.3): on a machine where rclnodejs@2.2.0 is installed (even with --ignore-scripts), check that
 * the real module matches the hand-written `RclLike` the adapter is typed against:
 *
 *   npx tsc -p types/tsconfig.rclnodejs.json
 *
 * Not part of the main `tsc` run (tsconfig.json does not include types/), because rclnodejs is not a dependency.
 */
import type rclnodejs from 'rclnodejs';
import type { RclLike } from '../src/transport/rcl/rcl-like.js';

type Rcl = typeof rclnodejs;

/** Fails to compile when a member the adapter uses is missing or has an incompatible signature. */
export const check = (rcl: Rcl): RclLike<InstanceType<Rcl['Context']>> => rcl;
