/**
 * The maze interface's section of the planner node's parameter table (after the common section): its frame and
 * topics. Defaults come from the maze topic contract (maze-topics.ts) the sim node shares.
 */
import { defineParams } from '../params/index.js';
import { MAZE_FRAMES, MAZE_TOPICS } from './maze-topics.js';
import { EPISODE_TOPIC_PARAM, PLAN_PARAMS } from './robot-params.js';

export const MAZE_INTERFACE_PARAMS = defineParams([
  {
    name: 'frame_id',
    key: 'frameId',
    type: 'string',
    default: MAZE_FRAMES.fixed,
    mode: 'static',
    description:
      'fixed frame of state, goal, command and plan (no TF lookups: inputs in other frames are refused)',
  },
  {
    name: 'odom_topic',
    key: 'odomTopic',
    type: 'string',
    default: MAZE_TOPICS.odom,
    mode: 'static',
    description: 'state input (nav_msgs/msg/Odometry)',
  },
  {
    name: 'reward_topic',
    key: 'rewardTopic',
    type: 'string',
    default: MAZE_TOPICS.reward,
    mode: 'static',
    description:
      "reward input (geometry_msgs/msg/Vector3Stamped: vector.x, stamped like the state it belongs to); steps without their reward use the task's reward function; '' = never subscribe",
  },
  {
    name: 'goal_topic',
    key: 'goalTopic',
    type: 'string',
    default: MAZE_TOPICS.goal,
    mode: 'static',
    description: 'goal input (geometry_msgs/msg/PoseStamped, e.g. RViz 2D Goal Pose)',
  },
  ...EPISODE_TOPIC_PARAM,
  {
    name: 'command_topic',
    key: 'commandTopic',
    type: 'string',
    default: MAZE_TOPICS.command,
    mode: 'static',
    description: 'command output (geometry_msgs/msg/WrenchStamped, force.x/y = action)',
  },
  ...PLAN_PARAMS,
] as const);
