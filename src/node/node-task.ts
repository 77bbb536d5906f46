import type { RobotInterface } from './robot-interface.js';

/**
 * What the planner node needs to know about the robot's task beyond the model: rates, episode length, default
 * goal, action bounds and the reward function used when no reward topic delivers one. The CLI builds it from
 * sim/ (only src/cli and src/bench import sim/: test/import-rules.test.ts), tests build it directly.
 */
export interface NodeTask {
  /** Task id, e.g. 'maze2d-umaze'. */
  readonly id: string;
  /** The robot's topics, messages and safe command (maze-interface.ts, arm-interface.ts). */
  readonly robot: RobotInterface;
  /** Env steps per second the model was trained at (maze: 100, h = 0.01 s). Default control rate. */
  readonly stepRateHz: number;
  /** Env steps of one episode (flexible horizon; the latent restarts after this many steps). */
  readonly episodeSteps: number;
  /** Goal used until a goal message arrives ([x, y] for the maze), or null. */
  readonly defaultGoal: readonly number[] | null;
  /** Action bounds the planner clamps to. */
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
  /** For a robot driven by joint position targets (the arm): its joints, observed objects and kinematics. */
  readonly joints?: JointTask;
  /** The task's reward for being in `observation` (post-step) with `goal` (maze: 1 inside the goal disc). */
  reward(observation: ArrayLike<number>, goal: ArrayLike<number> | null): number;
}

/**
 * The joint-space side of a position-controlled arm task. The model may act in another space (the fruit-swap
 * arm acts in grasp-point space); the task's kinematics, built by the CLI from sim/, turn its actions into joint
 * position targets and measured joints back into the action that holds them.
 */
export interface JointTask {
  /** Joints whose positions and velocities are the observation's first fields, in the model's order. */
  readonly armJoints: readonly string[];
  /** Finger slides whose positions sum to the observed gripper opening. */
  readonly fingerJoints: readonly string[];
  /** Objects observed by pose (x, y, z each), in the model's observation order, e.g. ['apple', 'orange']. */
  readonly objects: readonly string[];
  /** Model action → position targets of armJoints then fingerJoints (the task's inverse kinematics). */
  jointTargets(action: ArrayLike<number>): Float64Array;
  /** Measured positions of armJoints then fingerJoints → the model action that holds them (forward kinematics). */
  holdAction(positions: ArrayLike<number>): Float64Array;
}
