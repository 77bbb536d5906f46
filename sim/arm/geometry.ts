/**
 * Fixed geometry of the fruit-swap arm scene, shared by the MJCF, the kinematics, the expert and the success
 * rule (docs/arm-swap.md describes the task). Units: metres, radians, seconds.
 *
 * The arm: base yaw about z at the origin, shoulder at height SHOULDER_HEIGHT, then three pitch joints
 * (shoulder, elbow, wrist) about −y, links L1 (upper arm) and L2 (forearm) along the link's +x, and a hand
 * whose grasp point sits GRASP_OFFSET from the wrist axis along the hand. A hand pointing straight down puts
 * the grasp point GRASP_OFFSET below the wrist axis.
 */

export const SHOULDER_HEIGHT = 0.15;
export const UPPER_ARM_LENGTH = 0.25;
export const FOREARM_LENGTH = 0.22;
export const GRASP_OFFSET = 0.115;

/** Joint order of q, qd and the joint targets. */
export const ARM_JOINTS = ['yaw', 'shoulder', 'elbow', 'wrist'] as const;
/** Joint limits [low, high] in ARM_JOINTS order (the elbow-up IK branch keeps the elbow negative). */
export const ARM_JOINT_RANGES: readonly (readonly [number, number])[] = [
  [-2.5, 2.5],
  [-0.5, 2.4],
  [-2.7, 0.3],
  [-2.6, 1.0],
];

/** Finger slide travel per finger: 0 = closed, FINGER_OPEN = fully open. */
export const FINGER_OPEN = 0.045;

export type SlotName = 'A' | 'B' | 'C';
/** Slot centres (x, y) on the table; C is the spare slot between A and B. */
export const SLOTS: Readonly<Record<SlotName, readonly [number, number]>> = {
  A: [0.32, 0.17],
  C: [0.32, 0],
  B: [0.32, -0.17],
};
export const SLOT_HALF_SIZE = 0.045;

/** Fruit cylinders: radius, half height, mass. Resting upright the centre is at z = FRUIT_HALF_HEIGHT. */
export const FRUIT_RADIUS = 0.025;
export const FRUIT_HALF_HEIGHT = 0.03;
export const FRUIT_MASS = 0.1;
export const FRUITS = ['apple', 'orange'] as const;
export type FruitName = (typeof FRUITS)[number];

/** Uniform placement jitter per axis inside a slot, used at reset and by the expert when placing. */
export const PLACE_JITTER = 0.015;

/** Grasp-point heights the expert uses. */
export const GRASP_Z = 0.045;
export const PLACE_Z = 0.049;
export const CARRY_Z = 0.16;
/** The rest pose of the grasp point between moves (identical for every move: a leak-proofing rule). */
export const HOME: readonly [number, number, number] = [0.22, 0, 0.22];

/** Control period and physics substeps per control step (10 Hz = 50 × 2 ms). */
export const CONTROL_DT = 0.1;
export const PHYSICS_DT = 0.002;
export const SUBSTEPS = 50;
/** Evaluation time limit: 40 s. */
export const EPISODE_STEPS = 400;
