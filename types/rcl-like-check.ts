/**
 * T1 (docs/ros2.md §5.3): compiles only if the real `typeof import('rclnodejs').default` (rclnodejs 2.2.0's own
 * declarations) is assignable to the hand-written `RclLike` the adapter is typed against. Not part of the main
 * `tsc` run (rclnodejs is an optional peer dependency, not installed by `npm ci`); types/typecheck-rclnodejs.ts
 * fetches the declarations and runs it (`npm run typecheck:rclnodejs`, and `npm test`).
 */
import type rclnodejs from 'rclnodejs';
import type { RclLike } from '../src/transport/rcl/rcl-like.js';

type Rcl = typeof rclnodejs;

/** Fails to compile when a member the adapter uses is missing or has an incompatible signature. */
export const check = (rcl: Rcl): RclLike<InstanceType<Rcl['Context']>> => rcl;

/** The declarations are really there (not `any`): a member rclnodejs does not have is an error. */
// @ts-expect-error rclnodejs 2.2.0 has no such export
export const absent = (rcl: Rcl): unknown => rcl.frobnicateEverything;
