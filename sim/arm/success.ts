/**
 * The fruit-swap success rule, judged on the true (noise-free) final state, and the slot a fruit sits in.
 *
 * Case AB starts with the apple in A and the orange in B; BA the reverse; C starts empty. Success: the fruits
 * swapped slots and C is empty, i.e. for each fruit
 *   ‖xy − goal slot centre‖ ≤ 3 cm,  |z − half height| < 5 mm,  axis tilt < 0.2 rad   (resting upright)
 * and no fruit is within 6 cm of C's centre. The rule reads only the state at the moment it is asked, so a
 * policy that swaps and then disturbs the fruits again fails.
 */
import { FRUIT_HALF_HEIGHT, type FruitName, SLOT_HALF_SIZE, SLOTS, type SlotName } from './geometry.js';

export type SwapCase = 'AB' | 'BA';
export const SWAP_CASES: readonly SwapCase[] = ['AB', 'BA'];

export const GOAL_TOLERANCE_XY = 0.03;
export const UPRIGHT_TOLERANCE_Z = 0.005;
export const MAX_TILT = 0.2;
export const SPARE_CLEARANCE = 0.06;

/** True pose summary of one fruit: centre position and tilt of its axis from vertical (rad). */
export interface FruitState {
  readonly position: readonly [number, number, number];
  readonly tilt: number;
}

/** Start slots of the two fruits in a case. */
export function startSlots(swapCase: SwapCase): Record<FruitName, SlotName> {
  return swapCase === 'AB' ? { apple: 'A', orange: 'B' } : { apple: 'B', orange: 'A' };
}

/** Goal slots of the two fruits in a case (the start slots swapped). */
export function goalSlots(swapCase: SwapCase): Record<FruitName, SlotName> {
  return swapCase === 'AB' ? { apple: 'B', orange: 'A' } : { apple: 'A', orange: 'B' };
}

function planarDistance(p: readonly number[], slot: SlotName): number {
  const [sx, sy] = SLOTS[slot];
  return Math.hypot(p[0]! - sx, p[1]! - sy);
}

function upright(f: FruitState): boolean {
  return Math.abs(f.position[2] - FRUIT_HALF_HEIGHT) < UPRIGHT_TOLERANCE_Z && f.tilt < MAX_TILT;
}

/** Whether the arrangement is a completed swap for `swapCase`. */
export function swapSucceeded(swapCase: SwapCase, fruits: Record<FruitName, FruitState>): boolean {
  const goals = goalSlots(swapCase);
  for (const name of ['apple', 'orange'] as const) {
    const f = fruits[name];
    if (planarDistance(f.position, goals[name]) > GOAL_TOLERANCE_XY || !upright(f)) return false;
    if (planarDistance(f.position, 'C') < SPARE_CLEARANCE) return false;
  }
  return true;
}

/** The slot whose marker contains the fruit's centre (xy) while it rests upright on the table, else null. */
export function slotOf(f: FruitState): SlotName | null {
  if (!upright(f)) return null;
  for (const slot of ['A', 'C', 'B'] as const) {
    const [sx, sy] = SLOTS[slot];
    if (Math.abs(f.position[0] - sx) <= SLOT_HALF_SIZE && Math.abs(f.position[1] - sy) <= SLOT_HALF_SIZE) {
      return slot;
    }
  }
  return null;
}

/**
 * Tilt of a cylinder's axis from vertical, from its quaternion (w, x, y, z). The body z axis makes the angle
 * acos(1 − 2(x² + y²)) with world z; the fruit is symmetric end for end, so standing on either flat face is
 * upright and the tilt is the smaller of that angle and π minus it.
 */
export function tiltFromQuaternion(w: number, x: number, y: number, z: number): number {
  const n = w * w + x * x + y * y + z * z;
  const c = 1 - (2 * (x * x + y * y)) / (n > 0 ? n : 1);
  return Math.acos(Math.min(1, Math.abs(c)));
}
