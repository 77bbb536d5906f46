/**
 * The planner node's parameters: one declaration table (ROS snake_case name, type, default, range or choices,
 * description, static or dynamic) that drives the ROS descriptors, params-file validation, `--help` and the
 * README table. Planner settings map 1:1 onto `PlannerConfig` fields (same key) and are applied between plans;
 * static parameters (model, task, rates, topics, threading) are fixed at start and refused at runtime.
 */
import {
  type ConfigOf,
  configPatch,
  defineParams,
  formatParamValue,
  type ParamTable,
  type ParamValue,
} from '../params/index.js';
import { defaultPlannerConfig as d, PLANNER_SETTINGS, type PlannerConfig } from '../planner/index.js';
import { MAZE_INTERFACE_PARAMS } from './maze-params.js';
import type { RobotInterface } from './robot-interface.js';

/**
 * Planner settings are the planner's declaration (src/planner/settings.ts) included as they are: their key is
 * the PlannerConfig field, so a runtime change maps onto `agent.updateConfig` without a second table.
 */
export const COMMON_NODE_PARAMS = defineParams([
  // What runs.
  {
    name: 'model',
    key: 'model',
    type: 'string',
    default: '',
    mode: 'static',
    description: 'model directory (model.json + weights.bin); required',
  },
  {
    name: 'task',
    key: 'task',
    type: 'string',
    default: '',
    mode: 'static',
    description:
      "task id the model was trained on, e.g. 'maze2d-umaze' (picks the robot interface, reward and default goal); default: the model's own task",
  },
  {
    name: 'backend',
    key: 'backend',
    type: 'string',
    default: '',
    mode: 'static',
    choices: ['', 'wasm', 'cpu', 'tensorflow'],
    description: "tfjs backend of the planner thread ('' = best available); asserted at start",
  },
  {
    name: 'planner_thread',
    key: 'plannerThread',
    type: 'string',
    default: 'worker',
    mode: 'static',
    choices: ['worker', 'inline'],
    description:
      'worker: plan in a worker thread (callbacks and publishing never block); inline: plan on the node thread (debugging, deterministic tests)',
  },
  // Timing and safety.
  {
    name: 'control_rate_hz',
    key: 'controlRateHz',
    type: 'double',
    default: 0.0,
    unit: 'Hz',
    range: [0, 10_000],
    mode: 'static',
    description:
      "rate of the command stream in real-time mode, Hz; one planner step per period (0 = the task's step rate, 100 Hz for the maze: the rate the model was trained at)",
  },
  {
    name: 'control_trigger',
    key: 'controlTrigger',
    type: 'string',
    default: 'state',
    mode: 'static',
    choices: ['state', 'timer'],
    description:
      "real time: 'state' takes one step per new state message, at its arrival (the command answers that state at once; the sensor's rate is the control rate); 'timer' takes one step per control period on the newest state (a free-running clock against the sensor's: after a stall, or when their phases meet, a sensor step gets no new command)",
  },
  {
    name: 'plan_delay_ms',
    key: 'planDelayMs',
    type: 'double',
    default: 0,
    unit: 'ms',
    range: [0, 10_000],
    mode: 'dynamic',
    description:
      'artificial planning latency: the planner thread stays busy this long after each plan before it answers (latency experiments, `bench latency`; 0 = off)',
  },
  {
    name: 'managed',
    key: 'managed',
    type: 'bool',
    default: false,
    mode: 'static',
    description:
      'run as a lifecycle (managed) node: start unconfigured and act only while active (ros2 lifecycle set /planner configure, then activate); deactivate publishes a zero command and pauses',
  },
  {
    name: 'lockstep',
    key: 'lockstep',
    type: 'bool',
    default: false,
    mode: 'static',
    description:
      'answer every state message with exactly one command, waiting for a plan when a token boundary needs one (deterministic sims, tests, eval); no command timer',
  },
  {
    name: 'plan_deadline',
    key: 'planDeadlineS',
    type: 'double',
    default: 0,
    unit: 's',
    range: [0, 3600],
    mode: 'static',
    description:
      'real time: a plan not back this long after its token boundary is a deadline miss (0 = one token, F control periods: the token rate); until it lands the previous plan is held (on_overrun)',
  },
  {
    name: 'sensor_timeout',
    key: 'sensorTimeoutS',
    type: 'double',
    default: 0.25,
    unit: 's',
    range: [0.001, 3600],
    mode: 'dynamic',
    description:
      'seconds without a valid state message before the node publishes zero commands and reports WARN (real-time mode; in lockstep only the WARN)',
  },
  {
    name: 'on_overrun',
    key: 'onOverrun',
    type: 'string',
    default: 'hold',
    mode: 'dynamic',
    choices: ['hold', 'zero'],
    description:
      "when a plan is late or failed: 'hold' continues with the previous plan's actions for these steps (zero when it has none left), 'zero' sends zero commands",
  },
  {
    name: 'plan_timing',
    key: 'planTiming',
    type: 'string',
    default: 'hold',
    mode: 'dynamic',
    choices: ['hold', 'ahead'],
    description:
      "real time: 'ahead' asks for each plan early by its measured latency, with the commands that run meanwhile committed, so it is in place at its step; 'hold' asks at the step and holds the previous plan until it lands",
  },
  {
    name: 'warmup',
    key: 'warmup',
    type: 'bool',
    default: true,
    mode: 'static',
    description:
      'plan twice on a throwaway agent before subscribing (one-off compilation and allocation), so the first real plan is not late; its latency seeds plan_timing ahead',
  },
  {
    name: 'episode_steps',
    key: 'episodeSteps',
    type: 'int',
    default: 0,
    range: [0, 100_000_000],
    mode: 'dynamic',
    description:
      "env steps per episode for the flexible horizon; the latent restarts when they run out (0 = the task's episode length)",
  },
  {
    name: 'diagnostics_period',
    key: 'diagnosticsPeriodS',
    type: 'double',
    default: 1.0,
    unit: 's',
    range: [0.01, 3600],
    mode: 'static',
    description: 'seconds between /diagnostics messages (an extra one is sent whenever the level changes)',
  },
  // Planner settings (applied between plans; the seed at start): the planner's own declaration.
  ...PLANNER_SETTINGS,
] as const);

export type CommonNodeParams = ConfigOf<typeof COMMON_NODE_PARAMS>;

/**
 * The node's whole table with the maze interface (the default robot): what `df-planner node --params` prints,
 * the README documents and the maze launch files are checked against. Other robots: `nodeParamTable`.
 */
export const NODE_PARAMS = defineParams([...COMMON_NODE_PARAMS, ...MAZE_INTERFACE_PARAMS] as const);

export type NodeParams = ConfigOf<typeof NODE_PARAMS>;

/** The node's table for one robot: the common section, then the robot interface's own. */
export function nodeParamTable(robot: Pick<RobotInterface, 'params'>): ParamTable {
  return [...COMMON_NODE_PARAMS, ...robot.params];
}

const PLANNER_KEYS = new Set<string>(Object.keys(d));

/** The planner settings among a set of parameter changes (ROS names → PlannerConfig fields). */
export function plannerChanges(changes: Readonly<Record<string, ParamValue>>): Partial<PlannerConfig> {
  const patch = configPatch(COMMON_NODE_PARAMS, changes) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) if (PLANNER_KEYS.has(key)) out[key] = value;
  return out as Partial<PlannerConfig>;
}

/** The PlannerConfig part of a full parameter set. */
export function plannerConfigOf(params: CommonNodeParams): Partial<PlannerConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) if (PLANNER_KEYS.has(key)) out[key] = value;
  return out as Partial<PlannerConfig>;
}

/**
 * `-p name:=value` arguments for the tuned planner settings a model carries (model.json provenance.planner), so
 * they start as the node's parameters; unknown keys are skipped (eval reports them), and the seed stays the run's.
 */
export function plannerParamArgs(block: unknown): string[] {
  if (block === undefined || block === null || typeof block !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(block)) {
    const decl = COMMON_NODE_PARAMS.find((p) => p.key === key);
    if (!decl || key === 'seed') continue;
    out.push('-p', `${decl.name}:=${formatParamValue(decl.type, value as never)}`);
  }
  return out;
}
