/**
 * Contract of the MPC agent (issue 4): transport-free, time-free (the caller passes everything in), one model.
 *
 * Control loop with frame stack F (a token = F env steps):
 *
 *   agent.reset({ observation, goal, stepsRemaining })      z ← init_encoder(o₀)
 *   loop:
 *     if (agent.needsPlan) agent.plan()                      sample H tokens from z (warm or cold), guided
 *     a = agent.act()                                        next action of the first token's chunk, clamped
 *     (o, r) = env.step(a)
 *     agent.observe(o, r)                                    after F observes: z ← f(z, [a, r, o]×F, k_obs)
 *
 * `plan()` is the only expensive call. Everything the node publishes (the plan path, diagnostics) comes from
 * `PlanResult` and `AgentStatus`; nothing here knows about ROS or the sim.
 */
import type { ScheduleMode } from '../math/scheduling-matrix.js';

export type LatentMode = 'posterior' | 'reencode';
export type McgSelect = 'first' | 'best';
/**
 * How a token flagged noisy is absorbed at noisyObserveLevel k: 'label' feeds the reading as it is with the
 * level k as its label (the model is told to trust it less); 'noised' first diffuses it to level k
 * (x_k = √ᾱ_k·x + √(1−ᾱ_k)·ε), as training noised its inputs, so a corrupted reading is also blurred.
 */
export type NoisyAbsorb = 'label' | 'noised';
/**
 * How act() turns the plan into the executed action (â = planned action, p̂/v̂ = planned position/velocity,
 * p/v = the last observation, all in task units; clamped to the action bounds afterwards):
 *   'diffused'  a = â_j                                   the paper's DF: execute the diffused action
 *   'feedback'  a = â_j + Kp·(p̂_j − p) + Kd·(v̂_j − v)     feed-forward â plus state feedback toward the state
 *                                                         the plan expected before step j (none at j = 0)
 *   'track'     a = Kp·(p̂_{j+1} − p) + Kd·(v̂_{j+1} − v)   PD tracking of the planned next state (Diffuser*-style)
 * 'feedback' and 'track' need observation fields named `position` and `velocity` of the action's size.
 */
export type ActionSource = 'diffused' | 'feedback' | 'track';
/** Network implementation in plan rows: the model's tfjs tensors, or a Float32Array copy of the same weights. */
export type PlanNetwork = 'tfjs' | 'plain';

export interface PlannerConfig {
  /** Plan tokens H (cap). With `flexibleHorizon`, H = min(horizonTokens, ⌈stepsRemaining/F⌉). */
  readonly horizonTokens: number;
  /** Shrink the plan to the remaining episode (the paper's flexible horizon). */
  readonly flexibleHorizon: boolean;
  /** S, DDIM steps of a cold plan. */
  readonly samplingSteps: number;
  /** Cold-start scheduling matrix mode and pyramid delay u. */
  readonly scheduleMode: ScheduleMode;
  readonly uncertainty: number;
  /** DDIM η (0 = deterministic). */
  readonly eta: number;
  /** Guidance scale s of the paper-branch additive update (0 = unguided). */
  readonly guidanceScale: number;
  /** Registered objective name ('goal_reaching' | 'reward_sum'). */
  readonly objective: string;
  /** Monte Carlo guidance samples R (1 = off), run as one batch. */
  readonly mcgSamples: number;
  /** Which of the R samples is executed: the first, or the one with the best objective on its final x̂₀. */
  readonly mcgSelect: McgSelect;
  /**
   * Control steps between plans (1 = every step), counted from the reset; 0 = F, one plan per token boundary.
   * A plan within a token conditions on the token's executed steps (inpainted as known, see known-steps.ts).
   */
  readonly replanPeriod: number;
  /** Warm start: begin from the previous plan shifted by one token and re-noised (cold on the first plan). */
  readonly warmStart: boolean;
  /** Warm start: DDIM steps left on token 0 after re-noising; token t gets min(S, r0 + t·u). */
  readonly warmStepsLeft: number;
  /** Warm start: denoising rows per plan (≥ warmStepsLeft so token 0 ends clean). */
  readonly warmRows: number;
  /** 'posterior': keep z across plans, absorbing executed tokens; 'reencode': z ← encoder(o) every plan. */
  readonly latentMode: LatentMode;
  /** Level k at which executed tokens are absorbed (0 = clean; small > 0 = stabilised). */
  readonly observeLevel: number;
  /** Level for steps flagged noisy (corrupted sensors): the model leans on its prior (docs/diffusion-forcing.md §3.3). */
  readonly noisyObserveLevel: number;
  /** How tokens flagged noisy are absorbed (see NoisyAbsorb). */
  readonly noisyAbsorb: NoisyAbsorb;
  /** How the executed action is made from the plan (see ActionSource). */
  readonly actionSource: ActionSource;
  /** Gains of 'feedback' and 'track' (action units per task unit of position / velocity error). */
  readonly trackKp: number;
  readonly trackKd: number;
  /**
   * Stuck plans (stuck-recovery.ts): a token whose observed end position is farther than `stuckDistance` from
   * the plan's prediction is a miss (0 = off); `stuckTokens` misses in a row start a recovery of
   * `recoveryTokens` plans made with `recoveryHorizon` (0 = horizonTokens), guidance scale ×
   * `recoveryGuidanceFactor` and `recoveryMcgSamples` (0 = mcgSamples).
   */
  readonly stuckDistance: number;
  readonly stuckTokens: number;
  readonly recoveryTokens: number;
  readonly recoveryHorizon: number;
  readonly recoveryGuidanceFactor: number;
  readonly recoveryMcgSamples: number;
  /** Network implementation used by plan rows (see PlanNetwork); results agree to float rounding. */
  readonly planNetwork: PlanNetwork;
  /** Seed of the planner's noise stream. */
  readonly seed: number;
}

export interface AgentResetOptions {
  /** Raw observation o₀ (task units), length = observation size. */
  readonly observation: ArrayLike<number>;
  /** Raw goal for goal objectives (maze: [x, y]). */
  readonly goal?: ArrayLike<number> | null;
  /** Env steps left in the episode (flexible horizon and objective scale). */
  readonly stepsRemaining: number;
  /** Episode length in env steps (default: stepsRemaining). */
  readonly episodeSteps?: number;
}

export interface ObserveOptions {
  /**
   * The step's reading is corrupted (sensor dropout): the token it belongs to is absorbed at noisyObserveLevel
   * and non-finite entries are replaced by the last observation's (a non-finite reward by 0).
   */
  readonly noisy?: boolean;
  /**
   * The action actually executed this step, when it was not the one act() handed out (e.g. a safe stop after
   * a PlanningError). Clamped to the action bounds. Default: act()'s last action.
   */
  readonly action?: ArrayLike<number> | undefined;
}

export interface PlanOptions {
  /**
   * Actions (task units, [c × actionSize]) that will be executed at the c steps after the last observed one,
   * whatever this plan says: they run while it is computed (real-time chunking). The plan keeps them as known
   * and plans what follows them. Default: none.
   */
  readonly committed?: ArrayLike<number>;
}

export interface PlanResult {
  /** Tokens planned, H. */
  readonly horizonTokens: number;
  /** Denormalised env steps of the executed sample, [H·F × stepSize], layout order (action, reward, obs…). */
  readonly steps: Float32Array;
  readonly stepSize: number;
  /** The chunk `act()` will hand out: the first token's F actions, clamped, [F × actionSize]. */
  readonly actions: Float32Array;
  /** Objective value J of the executed sample's final plan. */
  readonly objectiveValue: number;
  readonly warm: boolean;
  /** Made with the recovery settings, after a stuck plan was recognised (stuck-recovery.ts). */
  readonly recovery: boolean;
  /** Denoising rows run and cell calls (rows × tokens × samples, incl. latent-only passes). */
  readonly rows: number;
  readonly cellCalls: number;
  /** Wall time of plan(), ms (measured inside, for diagnostics). */
  readonly ms: number;
}

export interface AgentStatus {
  readonly stepsRemaining: number;
  /** Steps observed since the last token boundary (0 … F − 1). */
  readonly stepsIntoToken: number;
  readonly needsPlan: boolean;
  /** plan() calls since the last reset. */
  readonly plans: number;
}

export interface Agent {
  readonly config: PlannerConfig;
  reset(options: AgentResetOptions): void;
  /**
   * True when a plan is due: after reset, every replanPeriod observed steps (default F: at every token
   * boundary), and whenever the current plan has no steps left.
   */
  readonly needsPlan: boolean;
  /** Plans from the last token boundary; the token's executed steps (and `committed` actions) are kept as known. */
  plan(options?: PlanOptions): PlanResult;
  /** Next action of the current chunk (clamped to the action bounds); PlanningError when no plan is pending. */
  act(): Float32Array;
  /** Records the executed step's outcome; absorbs the token into z after F steps. InputError on bad values. */
  observe(observation: ArrayLike<number>, reward: number, options?: ObserveOptions): void;
  setGoal(goal: ArrayLike<number> | null): void;
  /** Applies validated changes between plans (ConfigError naming every bad field). */
  updateConfig(changes: Partial<PlannerConfig>): void;
  readonly status: AgentStatus;
  readonly lastPlan: PlanResult | null;
  dispose(): void;
}
