/**
 * The arm sim node's parameters: one declaration table (src/params) that drives the ROS descriptors, params-file
 * validation and the README table, and the plain config the node takes (its keys). All are static: a sim is
 * configured at start, like a Gazebo world.
 */
import { ConfigError } from '../../src/errors.js';
import { ARM_JOINT_NAMES } from '../../src/node/arm-topics.js';
import { type ConfigOf, defineParams, validateParams } from '../../src/params/index.js';
import { TASKS } from '../task-registry.js';

/** The registry's arm tasks this node simulates (the fruit swap). */
const ARM_SIM_TASKS: readonly string[] = TASKS.filter(
  (t) => t.robot === 'arm' && t.commands.includes('sim-node'),
).map((t) => t.id);

export const ARM_SIM_PARAMS = defineParams([
  {
    name: 'task',
    key: 'task',
    type: 'string',
    default: ARM_SIM_TASKS[0]!,
    choices: ARM_SIM_TASKS,
    mode: 'static',
    description: 'the arm task (the fruit swap: scene, 40 s limit, final-state success)',
  },
  {
    name: 'lockstep',
    key: 'lockstep',
    type: 'bool',
    default: false,
    mode: 'static',
    description:
      'step once per command received (deterministic; tests, eval); false = step on the wall clock at 1/dt holding the last command',
  },
  {
    name: 'seed',
    key: 'seed',
    type: 'int',
    default: 0,
    range: [0, 2 ** 31],
    mode: 'static',
    description:
      "seed of the episode starts (episode k uses the k-th draw, as 'df-planner eval --seed'): the case, the fruits' jitter and the sensor noise",
  },
  {
    name: 'episodes',
    key: 'episodes',
    type: 'int',
    default: 1,
    range: [1, 1_000_000],
    mode: 'static',
    description: 'episodes to run; the node exits after the last one',
  },
  {
    name: 'max_steps',
    key: 'maxSteps',
    type: 'int',
    default: 0,
    range: [0, 1_000_000],
    mode: 'static',
    description:
      "cut episodes after this many steps (0 = the task's 40 s limit; success is judged at the cut)",
  },
  {
    name: 'real_time_factor',
    key: 'realTimeFactor',
    type: 'double',
    default: 1.0,
    range: [0.01, 100],
    mode: 'static',
    description: 'real-time mode: sim seconds per wall second',
  },
  {
    name: 'wait_for_controller',
    key: 'waitForController',
    type: 'bool',
    default: true,
    mode: 'static',
    description:
      "real-time mode: start each episode's clock at its first command, once the controller is up (model loading is not part of the episode)",
  },
  {
    name: 'case',
    key: 'case',
    type: 'string',
    default: '',
    choices: ['', 'AB', 'BA'],
    mode: 'static',
    description:
      "force the start arrangement (AB: apple in A, orange in B; BA the reverse); '' = drawn from the episode's seed",
  },
  {
    name: 'joints',
    key: 'joints',
    type: 'string[]',
    default: [...ARM_JOINT_NAMES] as string[],
    mode: 'static',
    description:
      "the position controller's joints, in the order its commands list them (the planner's joint_names must match)",
  },
  {
    name: 'occlude',
    key: 'occlude',
    type: 'string',
    default: '',
    choices: ['', 'apple', 'orange'],
    mode: 'static',
    description:
      "fruit whose pose reading is occluded during occlude_window: published with a NaN position and an occluded covariance, never dropped ('' = none)",
  },
  {
    name: 'occlude_window',
    key: 'occludeWindow',
    type: 'double[]',
    default: [] as number[],
    mode: 'static',
    description: "[from, to] in seconds of episode time while the 'occlude' fruit is not seen ([] = never)",
  },
] as const);

export type ArmSimConfig = ConfigOf<typeof ARM_SIM_PARAMS>;

export const defaultArmSimConfig: ArmSimConfig = Object.freeze(
  Object.fromEntries(ARM_SIM_PARAMS.map((d) => [d.key, d.default])) as unknown as ArmSimConfig,
);

/** Checks a config built directly (the table's types, ranges and choices, and the window); one ConfigError. */
export function validateArmSimConfig(config: ArmSimConfig): ArmSimConfig {
  const byKey = Object.fromEntries(
    ARM_SIM_PARAMS.map((d) => [d.name, (config as Record<string, unknown>)[d.key]]),
  );
  const issues = validateParams(ARM_SIM_PARAMS, byKey);
  const w = config.occludeWindow;
  if (w.length !== 0 && (w.length !== 2 || !w.every(Number.isFinite) || !(w[0]! < w[1]!))) {
    issues.push({
      path: 'occlude_window',
      message: `must be [] or [from, to] with from < to, got [${w.join(', ')}]`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
