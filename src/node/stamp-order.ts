/**
 * Order of header stamps on one input topic. Within a run the stamps of a topic only move forward (the sim stamps
 * odom with its time after the step); a stamp that goes back is either a late message (dropped as out of order)
 * or a clock that restarted: a restarted simulator, `ros2 bag play --loop`, or the first normal message after
 * one stamped far in the future. A restart must not lock the node out for ever, so a jump back by more than
 * `STAMP_RESTART_NS` is taken as a new timeline: the message is accepted, logged and counted.
 *
 * Why 1 s: messages overtaken on a network arrive a few control periods late (tens of ms at 100 Hz); a message
 * a whole second older than the newest one accepted is no reordering of a live stream. A smaller jump back is
 * dropped as out of order; a restart the threshold cannot tell from reordering (a clock restarted less than 1 s
 * after it began) is rejected until its stamps pass the old ones, or until `episode_start` resets the check
 * (what a restarted sim publishes first).
 */

/** How far a stamp may go back before it counts as a restarted clock rather than a late message (1 s). */
export const STAMP_RESTART_NS = 1_000_000_000n;

/** Where `stampNs` stands relative to the newest accepted stamp. */
export type StampOrder = 'first' | 'newer' | 'same' | 'older' | 'restart';

export function stampOrder(
  lastNs: bigint | null,
  stampNs: bigint,
  restartNs: bigint = STAMP_RESTART_NS,
): StampOrder {
  if (lastNs === null) return 'first';
  if (stampNs > lastNs) return 'newer';
  if (stampNs === lastNs) return 'same';
  return lastNs - stampNs > restartNs ? 'restart' : 'older';
}
