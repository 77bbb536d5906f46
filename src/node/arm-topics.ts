/**
 * The fruit-swap arm's topic contract: the topics, message types, QoS, frames and joint names the arm sim node
 * and the planner node's arm interface (arm-interface.ts) share. Import-free, so the sim may import it
 * (test/import-rules.test.ts).
 *
 *   topic                    type                                        direction      QoS      content
 *   joint_states             sensor_msgs/msg/JointState                  sim → planner  sensor   joint positions and
 *                                                                                                 velocities, by name
 *   apple/pose, orange/pose  geometry_msgs/msg/PoseWithCovarianceStamped sim → planner  sensor   each fruit's
 *                                                                                                 position reading
 *   episode_start            std_msgs/msg/Header                         sim → planner  default  a new episode,
 *                                                                                                 stamped like its
 *                                                                                                 first state
 *   /arm_controller/commands std_msgs/msg/Float64MultiArray              planner → sim  command  joint position targets
 *   ~/plan                   nav_msgs/msg/Path                           planner out    default  planned grasp points
 *   /diagnostics, /clock     as for the maze
 *
 * Conventions:
 * - The command follows ros2_control's forward command controller (a position group controller): `data` holds
 *   one position target per joint, in the order of the controller's `joints` parameter (ARM_JOINT_NAMES by
 *   default; the planner's `joint_names` parameter must list the same joints in that order). No header: such a
 *   controller applies whatever arrives last, so the sim checks only sizes and finiteness.
 * - joint_states: `name` may come in any order (joint_state_broadcaster's order is not the controller's); the
 *   planner reads joints by name. Positions in rad (arm joints) and m (finger slides: the gripper opening the
 *   model observes is their sum); velocities in rad/s and m/s. header.stamp = sim time after the step.
 * - Fruit poses: header.frame_id = ARM_FRAMES.fixed (the table frame, the arm's base at its origin, z up),
 *   pose.position = the fruit's centre (m), orientation identity (not observed: a moved fruit's yaw would give
 *   the swap away). Covariance: the position block's diagonal is the reading's variance (m²); the rotation
 *   block says "unknown" (ROTATION_UNKNOWN_VARIANCE). An occluded reading is still published, never dropped:
 *   its position variance is OCCLUDED_VARIANCE (the position may be stale, a distractor, or NaN), so the planner
 *   flags it noisy. Stamped with the step's sim time, the same as the joint_states of that step.
 * - Publish order: at every reset the sim publishes episode_start, then the first state; each step the fruit
 *   poses, then joint_states (the planner steps on joint_states and pairs fruit readings by stamp).
 */

export const ARM_TOPICS = {
  jointStates: 'joint_states',
  objectPoses: ['apple/pose', 'orange/pose'],
  episodeStart: 'episode_start',
  command: '/arm_controller/commands',
  plan: '~/plan',
} as const;

export const ARM_TYPES = {
  jointStates: 'sensor_msgs/msg/JointState',
  objectPose: 'geometry_msgs/msg/PoseWithCovarianceStamped',
  command: 'std_msgs/msg/Float64MultiArray',
  plan: 'nav_msgs/msg/Path',
  /** A stamped episode start (the planner pairs it with the episode's first state by stamp). */
  episodeStart: 'std_msgs/msg/Header',
} as const;

export const ARM_QOS = {
  jointStates: 'sensor',
  objectPose: 'sensor',
  command: 'command',
  plan: 'default',
  episodeStart: 'default',
} as const;

/** The fixed frame of the fruit poses and the plan (the table, the arm's base at its origin). */
export const ARM_FRAMES = { fixed: 'world' } as const;

/** The arm's joints in the controller's default order: four revolute joints, then the two finger slides. */
export const ARM_JOINT_NAMES = ['yaw', 'shoulder', 'elbow', 'wrist', 'fingerL', 'fingerR'] as const;

/** Position variance (m²) at or above which a fruit reading is occluded / unreliable (1 m standard deviation). */
export const OCCLUDED_VARIANCE = 1;
/** Variance on the rotation block of a fruit pose: orientation is not measured. */
export const ROTATION_UNKNOWN_VARIANCE = 1e6;

/** Default node names, so launch files and remaps agree. */
export const ARM_NODE_NAMES = { planner: 'planner', sim: 'arm_sim' } as const;
