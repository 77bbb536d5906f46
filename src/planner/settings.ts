/**
 * The one declaration of the planner settings (the fields of PlannerConfig): name, type, default, range or
 * choices, description, dynamic or static. Three things derive from it and nothing else restates it:
 * - `defaultPlannerConfig` and the limits `resolvePlannerConfig` checks (./config.ts),
 * - the planner rows of the node's parameter table (src/node/node-params.ts: `name` is the ROS name),
 * - `df-planner eval`'s planner flags and their `--help` (`flag`; a boolean has an on and an off flag).
 * The rows have the shape of a node parameter declaration (src/params ParamDecl) so the node table can include
 * them as they are. Ranges are the static limits; `resolvePlannerConfig` adds the ones that depend on the model
 * (samplingSteps ≤ its diffusion levels K, observe levels < K) or on another setting (warmStepsLeft ≤
 * samplingSteps, warmRows ≥ warmStepsLeft).
 *
 * Defaults follow measured leads on the mazes where the paper is silent or its numbers do not fit a CPU budget:
 * S = 10 DDIM steps (S = 20 scored no better), guidance scale 3, warm start with 3 steps left on token 0 and 10
 * rows, the latent re-encoded from the current observation (a posterior absorbed at k = 19 was on par, k = 0
 * worse), MCG off. Plan rows run on the Float32Array copy of the network ('plain': same results to float
 * rounding, ~15× less CPU per warm guided plan than 'tfjs', `df-planner bench plan`); 'tfjs' stays for models
 * that are not the standard network.
 */
import { scheduleModes } from '../math/scheduling-matrix.js';
import type { PlannerConfig } from './types.js';

/** Upper bounds that keep one plan within what a controller can run (and typed arrays within memory). */
const MAX_HORIZON_TOKENS = 1000;
const MAX_MCG_SAMPLES = 256;
const MAX_WARM_ROWS = 10_000;
const MAX_REPLAN_PERIOD = 100_000;
/** Static caps of step and level counts; the model's own K is the tighter bound, checked on resolve. */
const MAX_SAMPLING_STEPS = 10_000;
const MAX_LEVELS = 100_000;

interface SettingDecl {
  /** ROS parameter name of the node (snake_case). */
  readonly name: string;
  /** The PlannerConfig field. */
  readonly key: keyof PlannerConfig;
  readonly type: 'bool' | 'int' | 'double' | 'string';
  readonly default: boolean | number | string;
  readonly range?: readonly [number, number];
  readonly choices?: readonly string[];
  readonly description: string;
  /** `dynamic`: may change between plans (node: `ros2 param set`); `static`: fixed at start. */
  readonly mode: 'dynamic' | 'static';
  /** `df-planner eval` flag; a boolean setting has [on, off] flags. */
  readonly flag: string | readonly [string, string];
}

export const PLANNER_SETTINGS = [
  {
    name: 'horizon',
    key: 'horizonTokens',
    type: 'int',
    default: 60,
    range: [1, MAX_HORIZON_TOKENS],
    mode: 'dynamic',
    flag: 'horizon',
    description: 'plan tokens H (cap); one token = F env steps',
  },
  {
    name: 'flexible_horizon',
    key: 'flexibleHorizon',
    type: 'bool',
    default: true,
    mode: 'dynamic',
    flag: ['flexible-horizon', 'fixed-horizon'],
    description: "shrink the plan to the steps left in the episode (the paper's flexible horizon)",
  },
  {
    name: 'sampling_steps',
    key: 'samplingSteps',
    type: 'int',
    default: 10,
    range: [1, MAX_SAMPLING_STEPS],
    mode: 'dynamic',
    flag: 'sampling-steps',
    description: "DDIM steps S of a cold plan (at most the model's diffusion levels K)",
  },
  {
    name: 'schedule',
    key: 'scheduleMode',
    type: 'string',
    default: 'pyramid',
    choices: scheduleModes,
    mode: 'dynamic',
    flag: 'schedule',
    description: 'scheduling matrix of a cold plan',
  },
  {
    name: 'uncertainty',
    key: 'uncertainty',
    type: 'double',
    default: 1,
    range: [0, 1000],
    mode: 'dynamic',
    flag: 'uncertainty',
    description: 'pyramid delay u between successive tokens, in rows (0 = full sequence; 1 = the paper)',
  },
  {
    name: 'eta',
    key: 'eta',
    type: 'double',
    default: 0,
    range: [0, 1],
    mode: 'dynamic',
    flag: 'eta',
    description: 'DDIM eta (0 = deterministic)',
  },
  {
    name: 'guidance_scale',
    key: 'guidanceScale',
    type: 'double',
    default: 3,
    range: [0, 1e6],
    mode: 'dynamic',
    flag: 'guidance-scale',
    description: 'guidance scale s (0 = unguided)',
  },
  {
    name: 'objective',
    key: 'objective',
    type: 'string',
    default: 'goal_reaching',
    // The built-in objectives (src/objectives; a test keeps the lists equal), listed here so the declaration
    // loads without tfjs. PlannerConfig also accepts an objective a task registers itself.
    choices: ['goal_reaching', 'reward_sum'],
    mode: 'dynamic',
    flag: 'objective',
    description: 'guidance objective',
  },
  {
    name: 'mcg_samples',
    key: 'mcgSamples',
    type: 'int',
    default: 1,
    range: [1, MAX_MCG_SAMPLES],
    mode: 'dynamic',
    flag: 'mcg-samples',
    description: 'Monte Carlo guidance samples R, run as one batch (1 = off)',
  },
  {
    name: 'mcg_select',
    key: 'mcgSelect',
    type: 'string',
    default: 'best',
    choices: ['first', 'best'],
    mode: 'dynamic',
    flag: 'mcg-select',
    description: 'which MCG sample is executed',
  },
  {
    name: 'replan_period',
    key: 'replanPeriod',
    type: 'int',
    default: 0,
    range: [0, MAX_REPLAN_PERIOD],
    mode: 'dynamic',
    flag: 'replan-period',
    description:
      'control steps between plans, counted from the episode start; a plan within a token keeps the steps already executed as known (1 = every step; 0 = one token, F steps: a plan at every token boundary)',
  },
  {
    name: 'warm_start',
    key: 'warmStart',
    type: 'bool',
    default: true,
    mode: 'dynamic',
    flag: ['warm-start', 'cold-start'],
    description: 'start each plan from the previous one, shifted by a token and re-noised',
  },
  {
    name: 'warm_steps_left',
    key: 'warmStepsLeft',
    type: 'int',
    default: 3,
    range: [1, MAX_SAMPLING_STEPS],
    mode: 'dynamic',
    flag: 'warm-steps-left',
    description: 'warm start: DDIM steps left on token 0 after re-noising (≤ sampling_steps)',
  },
  {
    name: 'warm_rows',
    key: 'warmRows',
    type: 'int',
    default: 10,
    range: [1, MAX_WARM_ROWS],
    mode: 'dynamic',
    flag: 'warm-rows',
    description: 'warm start: denoising rows per plan (≥ warm_steps_left, so token 0 ends clean)',
  },
  {
    name: 'latent_mode',
    key: 'latentMode',
    type: 'string',
    default: 'reencode',
    choices: ['posterior', 'reencode'],
    mode: 'dynamic',
    flag: 'latent',
    description:
      'posterior: keep the latent and absorb every executed step; reencode: re-encode the latest state each plan',
  },
  {
    name: 'observe_level',
    key: 'observeLevel',
    type: 'int',
    default: 19,
    range: [0, MAX_LEVELS],
    mode: 'dynamic',
    flag: 'observe-level',
    description: 'noise level k at which executed steps are absorbed (0 = clean; below K)',
  },
  {
    name: 'noisy_observe_level',
    key: 'noisyObserveLevel',
    type: 'int',
    default: 500,
    range: [0, MAX_LEVELS],
    mode: 'dynamic',
    flag: 'noisy-observe-level',
    description:
      'noise level at which steps flagged noisy (corrupted sensors) are absorbed, so the model leans on its prior (below K)',
  },
  {
    name: 'noisy_absorb',
    key: 'noisyAbsorb',
    type: 'string',
    default: 'label',
    choices: ['label', 'noised'],
    mode: 'dynamic',
    flag: 'noisy-absorb',
    description:
      'how a noisy token is absorbed at noisy_observe_level: label = the reading as it is, only labelled with the level; noised = the reading diffused to that level first',
  },
  {
    name: 'action_source',
    key: 'actionSource',
    type: 'string',
    default: 'diffused',
    choices: ['diffused', 'feedback', 'track'],
    mode: 'dynamic',
    flag: 'action-source',
    description:
      'executed action: the diffused one, diffused + state feedback toward the planned state, or PD tracking of the planned states',
  },
  {
    name: 'track_kp',
    key: 'trackKp',
    type: 'double',
    default: 10,
    range: [0, 1e6],
    mode: 'dynamic',
    flag: 'track-kp',
    description: 'position gain of action_source feedback/track (action per metre)',
  },
  {
    name: 'track_kd',
    key: 'trackKd',
    type: 'double',
    default: 1,
    range: [0, 1e6],
    mode: 'dynamic',
    flag: 'track-kd',
    description: 'velocity gain of action_source feedback/track (action per m/s)',
  },
  {
    name: 'stuck_distance',
    key: 'stuckDistance',
    type: 'double',
    default: 0,
    range: [0, 1e6],
    mode: 'dynamic',
    flag: 'stuck-distance',
    description:
      "a token is a miss when the observed end position is farther than this from the plan's prediction (task units; 0 = off)",
  },
  {
    name: 'stuck_tokens',
    key: 'stuckTokens',
    type: 'int',
    default: 3,
    range: [1, MAX_HORIZON_TOKENS],
    mode: 'dynamic',
    flag: 'stuck-tokens',
    description: 'misses in a row that make the plan count as stuck and start a recovery',
  },
  {
    name: 'recovery_tokens',
    key: 'recoveryTokens',
    type: 'int',
    default: 5,
    range: [1, MAX_HORIZON_TOKENS],
    mode: 'dynamic',
    flag: 'recovery-tokens',
    description: 'plans made with the recovery settings once a stuck plan is recognised',
  },
  {
    name: 'recovery_horizon',
    key: 'recoveryHorizon',
    type: 'int',
    default: 0,
    range: [0, MAX_HORIZON_TOKENS],
    mode: 'dynamic',
    flag: 'recovery-horizon',
    description: 'plan tokens (cap) of a recovery plan (0 = horizon)',
  },
  {
    name: 'recovery_guidance_factor',
    key: 'recoveryGuidanceFactor',
    type: 'double',
    default: 1,
    range: [0, 1e6],
    mode: 'dynamic',
    flag: 'recovery-guidance-factor',
    description: 'a recovery plan is guided with guidance_scale times this (0 = unguided)',
  },
  {
    name: 'recovery_mcg_samples',
    key: 'recoveryMcgSamples',
    type: 'int',
    default: 0,
    range: [0, MAX_MCG_SAMPLES],
    mode: 'dynamic',
    flag: 'recovery-mcg-samples',
    description: 'MCG samples of a recovery plan (0 = mcg_samples)',
  },
  {
    name: 'plan_network',
    key: 'planNetwork',
    type: 'string',
    default: 'plain',
    choices: ['tfjs', 'plain'],
    mode: 'dynamic',
    flag: 'plan-network',
    description: 'network implementation of the plan rows: plain (Float32Array + WebAssembly SIMD) or tfjs',
  },
  {
    name: 'seed',
    key: 'seed',
    type: 'int',
    default: 0,
    range: [0, Number.MAX_SAFE_INTEGER],
    mode: 'static',
    flag: 'planner-seed',
    description: "seed of the planner's noise stream (reproducible runs)",
  },
] as const satisfies readonly SettingDecl[];

export type PlannerSettingDecl = (typeof PLANNER_SETTINGS)[number];
