/**
 * The maze sim node's parameters: one declaration table (src/params) that drives the ROS descriptors, params-file
 * validation and the README table. All are static: a sim is configured at start, like a Gazebo world.
 */
import { type ConfigOf, defineParams } from '../../src/params/index.js';
import { taskIds } from '../task-registry.js';
import { defaultMazeSimConfig as d } from './maze-sim-config.js';

export const SIM_PARAMS = defineParams([
  {
    name: 'task',
    key: 'task',
    type: 'string',
    default: 'maze2d-medium',
    choices: taskIds('sim-node'),
    mode: 'static',
    description: 'Maze2D task (maze layout, time limit, fixed goal)',
  },
  {
    name: 'lockstep',
    key: 'lockstep',
    type: 'bool',
    default: d.lockstep,
    mode: 'static',
    description:
      'step once per command received (deterministic; tests, eval); false = step on the wall clock at 1/dt holding the last command',
  },
  {
    name: 'seed',
    key: 'seed',
    type: 'int',
    default: d.seed,
    range: [0, 2 ** 31],
    mode: 'static',
    description: "seed of the episode starts (episode k uses the k-th draw, as 'df-planner eval --seed')",
  },
  {
    name: 'episodes',
    key: 'episodes',
    type: 'int',
    default: d.episodes,
    range: [1, 1_000_000],
    mode: 'static',
    description: 'episodes to run; the node exits after the last one',
  },
  {
    name: 'max_steps',
    key: 'maxSteps',
    type: 'int',
    default: d.maxSteps,
    range: [0, 1_000_000],
    mode: 'static',
    description: "cut episodes after this many steps (0 = the task's time limit; cut scores are not D4RL's)",
  },
  {
    name: 'real_time_factor',
    key: 'realTimeFactor',
    type: 'double',
    default: d.realTimeFactor,
    range: [0.01, 100],
    mode: 'static',
    description: 'real-time mode: sim seconds per wall second',
  },
  {
    name: 'wait_for_controller',
    key: 'waitForController',
    type: 'bool',
    default: d.waitForController,
    mode: 'static',
    description:
      "real-time mode: start each episode's clock at its first command, once the controller is up (model loading is not part of the episode)",
  },
  {
    name: 'random_goal',
    key: 'randomGoal',
    type: 'bool',
    default: d.randomGoal,
    mode: 'static',
    description: "draw a random goal per episode (Multi2D) instead of the task's fixed goal",
  },
  {
    name: 'start',
    key: 'start',
    type: 'double[]',
    default: d.start as number[],
    mode: 'static',
    description:
      "fixed start [x, y] in odom (the ball at rest there, every episode); [] = the task's random start draw",
  },
] as const);

export type SimParams = ConfigOf<typeof SIM_PARAMS>;
