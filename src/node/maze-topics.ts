/**
 * The maze robot's topic contract: the one place that names the topics, message types and frames the MuJoCo
 * maze sim node and the planner node share. Both sides import these constants, so a rename happens here once
 * (import-free, so the sim may import it: test/import-rules.test.ts). The planner's side of it is
 * maze-interface.ts.
 *
 * Topics (names relative to the node's namespace unless absolute; `~/x` = `/<ns>/<node>/x`):
 *
 *   topic         type                                 direction      QoS      content
 *   odom          nav_msgs/msg/Odometry                sim → planner  sensor   state after the last step
 *   reward        geometry_msgs/msg/Vector3Stamped     sim → planner  sensor   reward of the last step (optional)
 *   goal_pose     geometry_msgs/msg/PoseStamped        any → planner  latched  goal (RViz "2D Goal Pose": volatile;
 *                                                                               the planner subscribes both ways)
 *   episode_start geometry_msgs/msg/PoseStamped        sim → planner  default  a new episode begins (reset), its goal
 *   cmd_force     geometry_msgs/msg/WrenchStamped      planner → sim  command  the action to apply next
 *   ~/plan        nav_msgs/msg/Path                    planner out    default  planned positions
 *   /diagnostics  diagnostic_msgs/msg/DiagnosticArray  planner out    default  control-loop health
 *   /clock        rosgraph_msgs/msg/Clock              sim out        default  sim time (use_sim_time)
 *
 * Field conventions (REP 103 / REP 105; the ball has no rotation, so `base_link` stays aligned with `odom`):
 * - Odometry: header.frame_id = 'odom', child_frame_id = 'base_link'; pose.pose.position.{x,y} = qpos (m, the
 *   layout frame: x along rows, y along columns, z = 0); orientation identity; twist.twist.linear.{x,y} = qvel
 *   (m/s). header.stamp = sim time *after* the step, so stamps strictly increase within an episode.
 * - Pairing by stamp (docs/ros2.md §4): DDS keeps no order across topics and rclnodejs takes one message per
 *   ready subscription per round in subscription order, so a message published before an odom may be handled
 *   after it. Whatever belongs to a state therefore carries that state's stamp, and the planner pairs by stamp,
 *   never by arrival order.
 * - Reward: vector.x = the env's reward for landing in the state whose odom has the same header.stamp (y, z = 0;
 *   frame_id the fixed frame, not read). ROS 2 has no stamped scalar message; the stamp is what pairs a reward
 *   with its state. Without a reward topic the node uses the task's own reward function on the odom position.
 * - Goal: pose.position.{x,y} in the 'odom' frame (an empty frame_id is taken as 'odom'; other frames are
 *   refused, since the node does no TF lookups). A goal_pose applies from its arrival (RViz stamps goals with
 *   its own clock, which need not be the sim's).
 * - Episodes: at every reset the sim publishes goal_pose (the episode's goal, for viewers and late joiners) and
 *   episode_start, both stamped with the episode's first state, then that state's odom. episode_start carries
 *   the episode's goal in pose.position (same frame rules as goal_pose), so a new episode needs no second topic
 *   to arrive in time. The planner restarts its latent (re-encodes o₀, full episode length) toward that goal at
 *   the state stamped like the episode_start. Sim time (and so every stamp) keeps increasing across episodes.
 * - Command: WrenchStamped, header.frame_id = 'odom', wrench.force.{x,y} = the action a ∈ [−1, 1]² in actuator
 *   control units (the sim's motors have gear 100, so 1.0 = 100 N); every other field 0. A force/effort message
 *   rather than cmd_vel because the point mass is force-driven (D4RL point maze), and a Wrench is the standard
 *   type for a force; stamped so the sim can drop late or out-of-order commands. Zero command = all zeros.
 *
 * Lockstep (deterministic runs, tests, eval): the sim publishes reward, then odom, and waits for exactly one
 * command before it steps again; the planner node (parameter `lockstep: true`) answers every odom with exactly
 * one command. In real-time mode the sim steps on its own clock and the planner publishes at control_rate_hz.
 */

/** Topic names (defaults of the planner node's `*_topic` parameters and of the sim node's). */
export const MAZE_TOPICS = {
  odom: 'odom',
  reward: 'reward',
  goal: 'goal_pose',
  episodeStart: 'episode_start',
  command: 'cmd_force',
  plan: '~/plan',
  diagnostics: '/diagnostics',
  clock: '/clock',
} as const;

/** ROS message type of each topic (rclnodejs type strings). */
export const MAZE_TYPES = {
  odom: 'nav_msgs/msg/Odometry',
  reward: 'geometry_msgs/msg/Vector3Stamped',
  goal: 'geometry_msgs/msg/PoseStamped',
  episodeStart: 'geometry_msgs/msg/PoseStamped',
  command: 'geometry_msgs/msg/WrenchStamped',
  plan: 'nav_msgs/msg/Path',
  diagnostics: 'diagnostic_msgs/msg/DiagnosticArray',
  clock: 'rosgraph_msgs/msg/Clock',
} as const;

/** QoS profile names (src/transport QosName) per topic: sensors best-effort, goal latched, command reliable. */
export const MAZE_QOS = {
  odom: 'sensor',
  reward: 'sensor',
  /** The sim publishes the goal latched; the planner also subscribes it latched (late joiners get it) … */
  goal: 'latched',
  /** … and volatile, which is what RViz's 2D Goal Pose offers (a latched subscription never matches it). */
  goalVolatile: 'default',
  episodeStart: 'default',
  command: 'command',
  plan: 'default',
  diagnostics: 'default',
  clock: 'default',
} as const;

/** Frames: the fixed frame of odom, goal, command and plan, and the robot body frame. */
export const MAZE_FRAMES = { fixed: 'odom', body: 'base_link' } as const;

/** Default node names, so launch files and remaps agree. */
export const MAZE_NODE_NAMES = { planner: 'planner', sim: 'maze_sim' } as const;
