/**
 * The MPC agent (issue 4): observe → plan → act around one Diffusion Forcing model, as the contract in
 * types.ts describes. This file owns the episode's state machine; the numerical work lives in the files it
 * calls: plan-horizon (H and the step mask), warm-start (shift + re-noise + clipped pyramid), denoise-plan (the
 * rows, with the finished-prefix cache), guided-row (one row with guidance and MCG), step-codec (env values ↔
 * token layout).
 *
 * Choices where the paper leaves room (documented for users of the node):
 * - A plan's first token always starts at the last token boundary. plan() may also be called within a token
 *   (replanPeriod < F, a goal change, a plan made ahead of its step): the token's executed steps, and actions
 *   the caller commits to, are kept as known (known-steps.ts), and act() continues from the step the token is
 *   at, in the new chunk. A plan stays in use across token boundaries until the next one is due (every
 *   replanPeriod steps from the reset; F by default, so a plan per token) or its steps run out.
 * - MCG: the R samples are R plan chains in one batch, each with its own noise; the guidance gradient is the
 *   average of the samples' gradients and moves every chain (guided-row.ts). 'best' executes the chain whose
 *   final plan scores highest, 'first' chain 0. Every chain of the next warm start begins from the executed
 *   chain (re-noised with its own noise), because that is the plan the robot committed to.
 * - Warm start is used when the previous plan still covers part of the new one and nothing it was guided by
 *   has changed: a reset, a goal change or an objective change make the next plan cold.
 * - Noisy observations (options.noisy): non-finite entries are replaced by the last observation's values and a
 *   non-finite reward by 0; the token they belong to is absorbed at noisyObserveLevel, labelled only or first
 *   diffused to that level (noisyAbsorb). Without the flag a non-finite value is an InputError.
 * - Unguided (guidanceScale 0), the objective is only used when it fits the task (to score MCG samples); a
 *   task it does not fit (the arm: no position, no goal) plans without one.
 * - Each reset re-seeds the noise stream from config.seed, so an episode replays exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { SamplerContext } from '../diffusion/sampler.js';
import { ConfigError, type ConfigIssue, InputError, PlanningError } from '../errors.js';
import type { Logger } from '../logging.js';
import {
  createRng,
  matrixTransitions,
  type NoiseSchedule,
  noiseSchedule,
  qSample,
  type Rng,
  type SchedulingMatrix,
  schedulingMatrix,
  stabilizationLevel,
} from '../math/index.js';
import { plainNetworkFor } from '../model/plain-network.js';
import type { DfModel } from '../model/types.js';
import { type GuidanceObjective, getObjective, type ObjectiveContext } from '../objectives/index.js';
import { denormalizeSteps, tokenSize } from '../tasks/token-layout.js';
import { checkActionSource, executedAction, type TrackingIndices, trackingIndices } from './action-source.js';
import { defaultPlannerConfig, resolvePlannerConfig } from './config.js';
import { denoisePlan } from './denoise-plan.js';
import type { PlainGradient } from './guided-row.js';
import { knownSteps } from './known-steps.js';
import { planHorizon } from './plan-horizon.js';
import { type StepCodec, stepCodec } from './step-codec.js';
import {
  afterPlan,
  afterToken,
  checkStuckDetection,
  idleStuckState,
  predictionMiss,
  type StuckState,
} from './stuck-recovery.js';
import type {
  Agent,
  AgentResetOptions,
  AgentStatus,
  ObserveOptions,
  PlannerConfig,
  PlanOptions,
  PlanResult,
} from './types.js';
import { warmStart } from './warm-start.js';

/** Gaussian noise is clamped to ±this (the sampler's default clip_noise). */
const CLIP_NOISE = 20;

export interface CreateAgentOptions {
  /** Settings that differ from `defaultPlannerConfig`. */
  readonly config?: Partial<PlannerConfig>;
  /** Action bounds in task units, one entry per action component (layout order); actions are clamped to them. */
  readonly actionLow: ArrayLike<number>;
  readonly actionHigh: ArrayLike<number>;
  /** Where warnings go (default: none; the agent never writes to stdout). */
  readonly logger?: Logger;
}

/** What `planActions` needs from an agent, kept out of the public interface. */
interface AgentInternals {
  readonly codec: StepCodec;
  readonly low: Float32Array;
  readonly high: Float32Array;
}
const internals = new WeakMap<Agent, AgentInternals>();

/**
 * Builds an agent around `model` (which the caller keeps owning: `agent.dispose()` frees only the agent's
 * tensors). ConfigError naming every bad setting or bound.
 */
export function createAgent(model: DfModel, options: CreateAgentOptions): Agent {
  const agent = new MpcAgent(model, options);
  internals.set(agent, agent.internals);
  return agent;
}

/**
 * The executable actions of every planned step of `plan` (made by `agent`), clamped to the agent's bounds:
 * [H·F × actionSize], row j = step j. `plan.actions` holds the first token's rows only.
 */
export function planActions(agent: Agent, plan: PlanResult): Float32Array {
  const inner = internals.get(agent);
  if (inner === undefined) throw new InputError('planActions: the agent was not made by createAgent');
  const { codec, low, high } = inner;
  const steps = plan.steps.length / codec.stepSize;
  const out = new Float32Array(steps * codec.actionSize);
  for (let j = 0; j < steps; j++) {
    for (const [i, k] of codec.actionIndices.entries()) {
      out[j * codec.actionSize + i] = clamp(plan.steps[j * codec.stepSize + k]!, low[i]!, high[i]!);
    }
  }
  return out;
}

interface PreviousPlan {
  /** Normalised final tokens of the executed chain [H·D]. */
  readonly tokens: Float32Array;
  readonly horizon: number;
  /** Tokens absorbed since it was made. */
  shift: number;
}

class MpcAgent implements Agent {
  readonly internals: AgentInternals;
  readonly #model: DfModel;
  readonly #codec: StepCodec;
  readonly #schedule: NoiseSchedule;
  readonly #frames: number;
  readonly #tokenSize: number;
  readonly #low: Float32Array;
  readonly #high: Float32Array;
  readonly #logger: Logger | undefined;
  readonly #tracking: TrackingIndices | null;
  #config: PlannerConfig;
  #objective: GuidanceObjective;
  #rng: Rng;

  #started = false;
  #disposed = false;
  #stepsRemaining = 0;
  #episodeSteps = 0;
  #goal: number[] | null = null;
  /** Raw observation at the last token boundary (what a re-encoded plan starts from). */
  #boundaryObservation: Float32Array = new Float32Array(0);
  #lastObservation: Float32Array = new Float32Array(0);
  /** Posterior latent at the last token boundary [1, z] ('posterior' mode only). */
  #z: tf.Tensor2D | null = null;
  #stepsIntoToken = 0;
  /** Raw steps of the token being executed [F·stepSize]. */
  readonly #tokenSteps: Float32Array;
  #tokenNoisy = false;
  #pending: PlanResult | null = null;
  /** Clamped actions of every step of the pending plan [H·F × actionSize]. */
  #pendingActions: Float32Array = new Float32Array(0);
  /** Row of the pending plan at the current token's first step (F per boundary crossed since it was made). */
  #pendingBase = 0;
  /** Steps observed since the reset, and their count when the last plan was made (−1: none yet). */
  #stepsSinceReset = 0;
  #plannedAt = -1;
  #issued: Float32Array | null = null;
  #previous: PreviousPlan | null = null;
  #plans = 0;
  #lastPlan: PlanResult | null = null;
  /** Stuck-plan monitor of the episode (stuck-recovery.ts). */
  #stuck: StuckState = idleStuckState;

  constructor(model: DfModel, options: CreateAgentOptions) {
    this.#model = model;
    const { layout, normalization, noise } = model.config;
    this.#codec = stepCodec(layout, normalization);
    this.#schedule = noiseSchedule(noise.schedule, noise.levels);
    this.#frames = layout.frameStack;
    this.#tokenSize = tokenSize(layout);
    this.#tokenSteps = new Float32Array(this.#frames * this.#codec.stepSize);
    this.#logger = options.logger;

    const issues: ConfigIssue[] = [];
    const bounds = checkBounds(options.actionLow, options.actionHigh, this.#codec.actionSize, issues);
    let config: PlannerConfig = defaultPlannerConfig;
    try {
      config = resolvePlannerConfig(defaultPlannerConfig, options.config, noise.levels);
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues);
      else throw error;
    }
    if (issues.length === 0) collectModelIssues(config, model, issues);
    this.#tracking = trackingIndices(layout, this.#codec.actionSize);
    if (issues.length === 0) {
      try {
        checkActionSource(config.actionSource, this.#tracking, this.#codec.actionSize);
        checkStuckDetection(config.stuckDistance, this.#tracking !== null);
      } catch (error) {
        if (error instanceof ConfigError) issues.push(...error.issues);
        else throw error;
      }
    }
    if (issues.length > 0) throw new ConfigError(issues);
    this.#low = bounds.low;
    this.#high = bounds.high;
    this.#config = config;
    this.#objective =
      config.guidanceScale > 0 ? this.#checkedObjective(config.objective) : getObjective(config.objective);
    this.#rng = createRng(config.seed);
    this.internals = { codec: this.#codec, low: this.#low, high: this.#high };
  }

  get config(): PlannerConfig {
    return this.#config;
  }

  get needsPlan(): boolean {
    if (!this.#started || this.#disposed || this.#stepsRemaining <= 0) return false;
    if (this.#pending === null) return true;
    const period = this.#config.replanPeriod > 0 ? this.#config.replanPeriod : this.#frames;
    return this.#stepsSinceReset % period === 0 && this.#plannedAt !== this.#stepsSinceReset;
  }

  get status(): AgentStatus {
    return {
      stepsRemaining: this.#stepsRemaining,
      stepsIntoToken: this.#stepsIntoToken,
      needsPlan: this.needsPlan,
      plans: this.#plans,
    };
  }

  get lastPlan(): PlanResult | null {
    return this.#lastPlan;
  }

  reset(options: AgentResetOptions): void {
    this.#alive();
    const observation = this.#checkObservation(options.observation, false, 'reset: observation');
    const steps = options.stepsRemaining;
    if (!(Number.isInteger(steps) && steps >= 1)) {
      throw new InputError(`reset: stepsRemaining must be a whole number ≥ 1, got ${steps}`);
    }
    const episodeSteps = options.episodeSteps ?? steps;
    if (!(Number.isFinite(episodeSteps) && episodeSteps > 0)) {
      throw new InputError(`reset: episodeSteps must be a positive number, got ${episodeSteps}`);
    }
    const goal = this.#checkGoal(options.goal ?? null);
    this.#goal = goal;
    this.#stepsRemaining = steps;
    this.#episodeSteps = episodeSteps;
    this.#boundaryObservation = observation;
    this.#lastObservation = observation;
    this.#stepsIntoToken = 0;
    this.#tokenNoisy = false;
    this.#pending = null;
    this.#pendingBase = 0;
    this.#stepsSinceReset = 0;
    this.#plannedAt = -1;
    this.#issued = null;
    this.#previous = null;
    this.#plans = 0;
    this.#lastPlan = null;
    this.#stuck = idleStuckState;
    this.#rng = createRng(this.#config.seed);
    this.#setLatent(this.#config.latentMode === 'posterior' ? this.#encode(observation) : null);
    this.#started = true;
  }

  plan(options: PlanOptions = {}): PlanResult {
    this.#alive();
    if (!this.#started) throw new PlanningError('plan() before reset(): start an episode with reset() first');
    if (this.#stepsRemaining <= 0) {
      throw new PlanningError(
        'the episode has no steps left to plan (stepsRemaining is 0); call reset() to start the next episode',
      );
    }
    const committed = this.#checkCommitted(options.committed);
    const started = performance.now();
    const config = this.#config;
    const model = this.#model;
    const d = this.#tokenSize;
    // A recovery plan (after a stuck plan was recognised) runs with the recovery settings, cold.
    const recovering = this.#stuck.recoveryLeft > 0;
    const samples =
      recovering && config.recoveryMcgSamples > 0 ? config.recoveryMcgSamples : config.mcgSamples;
    const guidanceScale = recovering
      ? config.guidanceScale * config.recoveryGuidanceFactor
      : config.guidanceScale;
    const steps = config.samplingSteps;
    const { horizon, stepMask } = planHorizon(
      recovering && config.recoveryHorizon > 0 ? config.recoveryHorizon : config.horizonTokens,
      config.flexibleHorizon,
      this.#stepsRemaining + this.#stepsIntoToken,
      this.#frames,
    );
    const objectiveContext: ObjectiveContext = {
      layout: model.config.layout,
      normalization: model.config.normalization,
      goal: this.#goal,
      stepMask,
      episodeSteps: this.#episodeSteps,
    };
    const guided = guidanceScale > 0;
    // Guidance needs a usable objective (ConfigError otherwise); an unguided plan still scores itself when it
    // can, for 'best' selection and diagnostics.
    let scorable = true;
    if (guided) this.#objective.check(objectiveContext);
    else scorable = passes(() => this.#objective.check(objectiveContext));
    const score = scorable ? (x0Hat: tf.Tensor3D) => this.#objective.score(x0Hat, objectiveContext) : null;
    const plainForm = scorable ? this.#objective.plain : undefined;
    const plainGradient: PlainGradient | null =
      plainForm === undefined
        ? null
        : (plan, h, b, weight, from, grad) =>
            plainForm.gradient(plan, h, b, objectiveContext, weight, from, grad);

    const previous = config.warmStart && !recovering ? this.#previous : null;
    const warm =
      previous === null
        ? null
        : warmStart({
            previous: previous.tokens,
            previousHorizon: previous.horizon,
            shift: previous.shift,
            horizon,
            batch: samples,
            tokenSize: d,
            steps,
            uncertainty: config.uncertainty,
            stepsLeft: config.warmStepsLeft,
            rows: config.warmRows,
            schedule: this.#schedule,
            rng: this.#rng,
            clipNoise: CLIP_NOISE,
          });
    let matrix: SchedulingMatrix;
    let initial: Float32Array;
    if (warm !== null) {
      matrix = warm.matrix;
      initial = warm.tokens;
    } else {
      matrix = schedulingMatrix({
        mode: config.scheduleMode,
        steps,
        horizon,
        uncertainty: config.uncertainty,
      });
      initial = this.#rng.fillNormal(new Float32Array(horizon * samples * d), CLIP_NOISE);
    }
    const transitions = matrixTransitions(matrix, this.#schedule.levels);

    const mode = model.gradientMode;
    const z0 = this.#startLatent(samples);
    const x = tf.tensor3d(initial, [horizon, samples, d]);
    let plan: Float32Array;
    let scores: Float32Array | null = null;
    let rows: number;
    let cellCalls: number;
    try {
      if (guided) model.setGradientMode('frozen');
      const context: SamplerContext = {
        model,
        schedule: this.#schedule,
        objective: model.config.objective,
        z0,
        horizon,
        batch: samples,
        tokenSize: d,
        eta: config.eta,
        rng: this.#rng,
        clipNoise: CLIP_NOISE,
        stabilizationLevel: stabilizationLevel(steps, this.#schedule.levels),
        stabilizationMode: 'label',
      };
      const result = denoisePlan({
        context,
        transitions,
        known: knownSteps({
          codec: this.#codec,
          frames: this.#frames,
          horizon,
          observed: this.#tokenSteps.subarray(0, this.#stepsIntoToken * this.#codec.stepSize),
          committed,
        }),
        x,
        guidanceScale,
        score,
        plainGradient,
        planNetwork: config.planNetwork,
      });
      try {
        plan = result.x0Hat.dataSync() as Float32Array;
        if (score !== null) {
          const values = tf.tidy(() => score(result.x0Hat));
          scores = values.dataSync() as Float32Array;
          values.dispose();
        }
      } finally {
        result.x0Hat.dispose();
      }
      rows = result.rows;
      cellCalls = result.cellCalls;
    } catch (error) {
      this.#previous = null;
      throw error;
    } finally {
      if (guided) model.setGradientMode(mode);
      z0.dispose();
      x.dispose();
    }

    const chosen = scores !== null && config.mcgSelect === 'best' ? argMax(scores) : 0;
    const tokens = new Float32Array(horizon * d);
    for (let t = 0; t < horizon; t++) {
      tokens.set(plan.subarray((t * samples + chosen) * d, (t * samples + chosen + 1) * d), t * d);
    }
    const objectiveValue = scores === null ? Number.NaN : scores[chosen]!;
    this.#checkFinite(tokens, objectiveValue, scores !== null);

    const stepsOut = denormalizeSteps(tokens, model.config.normalization);
    const actionSize = this.#codec.actionSize;
    const actions = new Float32Array(this.#frames * actionSize);
    for (let f = 0; f < this.#frames; f++) {
      for (const [i, k] of this.#codec.actionIndices.entries()) {
        actions[f * actionSize + i] = clamp(
          stepsOut[f * this.#codec.stepSize + k]!,
          this.#low[i]!,
          this.#high[i]!,
        );
      }
    }
    const result: PlanResult = {
      horizonTokens: horizon,
      steps: stepsOut,
      stepSize: this.#codec.stepSize,
      actions,
      objectiveValue,
      warm: warm !== null,
      recovery: recovering,
      rows,
      cellCalls,
      ms: performance.now() - started,
    };
    this.#previous = { tokens, horizon, shift: 0 };
    this.#pending = result;
    this.#pendingActions = planActions(this, result);
    this.#pendingBase = 0;
    this.#plannedAt = this.#stepsSinceReset;
    this.#lastPlan = result;
    this.#plans++;
    this.#stuck = afterPlan(this.#stuck);
    return result;
  }

  act(): Float32Array {
    this.#alive();
    if (!this.#started) throw new PlanningError('act() before reset(): start an episode with reset() first');
    if (this.#stepsRemaining <= 0) {
      throw new PlanningError(
        'the episode is over (stepsRemaining is 0); call reset() to start the next one',
      );
    }
    const pending = this.#pending;
    if (pending === null || this.needsPlan) {
      throw new PlanningError(
        `a plan is due ${this.#stepsIntoToken} step(s) into the current token: call plan() first (needsPlan is true)`,
      );
    }
    const action = executedAction(
      {
        source: this.#config.actionSource,
        kp: this.#config.trackKp,
        kd: this.#config.trackKd,
        steps: pending.steps,
        stepSize: pending.stepSize,
        actions: this.#pendingActions,
        step: this.#pendingBase + this.#stepsIntoToken,
        observation: this.#lastObservation,
        low: this.#low,
        high: this.#high,
      },
      this.#tracking,
    );
    this.#issued = action.slice();
    return action;
  }

  observe(observation: ArrayLike<number>, reward: number, options: ObserveOptions = {}): void {
    this.#alive();
    if (!this.#started) throw new InputError('observe() before reset(): start an episode with reset() first');
    if (this.#stepsRemaining <= 0) {
      throw new InputError(
        'observe(): the episode has ended (stepsRemaining is 0); call reset() for the next one',
      );
    }
    const noisy = options.noisy === true;
    const action = this.#executedAction(options.action);
    const values = this.#checkObservation(observation, noisy, 'observe: observation');
    let r = reward;
    if (typeof r !== 'number' || !Number.isFinite(r)) {
      if (!noisy) throw new InputError(`observe: reward must be a finite number, got ${String(reward)}`);
      r = 0;
    }
    this.#codec.packStep(action, r, values, this.#tokenSteps, this.#stepsIntoToken * this.#codec.stepSize);
    this.#tokenNoisy ||= noisy;
    this.#lastObservation = values;
    this.#issued = null;
    this.#stepsIntoToken++;
    this.#stepsSinceReset++;
    this.#stepsRemaining--;
    if (this.#stepsIntoToken === this.#frames) this.#closeToken(values);
    else if (this.#stepsRemaining === 0) this.#pending = null;
  }

  setGoal(goal: ArrayLike<number> | null): void {
    this.#alive();
    const next = this.#checkGoal(goal);
    const same =
      next === this.#goal ||
      (next !== null &&
        this.#goal !== null &&
        next.length === this.#goal.length &&
        next.every((v, i) => v === this.#goal![i]));
    if (same) return;
    this.#goal = next;
    this.#previous = null; // the old plan was guided to the old goal: plan cold
  }

  updateConfig(changes: Partial<PlannerConfig>): void {
    this.#alive();
    const next = resolvePlannerConfig(this.#config, changes, this.#schedule.levels);
    const issues: ConfigIssue[] = [];
    collectModelIssues(next, this.#model, issues);
    if (issues.length > 0) throw new ConfigError(issues);
    checkActionSource(next.actionSource, this.#tracking, this.#codec.actionSize);
    checkStuckDetection(next.stuckDistance, this.#tracking !== null);
    const objective =
      next.objective === this.#config.objective &&
      (next.guidanceScale === 0 || this.#config.guidanceScale > 0)
        ? this.#objective
        : next.guidanceScale > 0
          ? this.#checkedObjective(next.objective)
          : getObjective(next.objective);
    const previous = this.#config;
    this.#config = next;
    this.#objective = objective;
    if (next.objective !== previous.objective) this.#previous = null;
    if (next.seed !== previous.seed) this.#rng = createRng(next.seed);
    if (next.latentMode !== previous.latentMode && this.#started) {
      this.#setLatent(next.latentMode === 'posterior' ? this.#encode(this.#boundaryObservation) : null);
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#setLatent(null);
    this.#disposed = true;
    this.#pending = null;
    this.#previous = null;
  }

  // ── helpers ──

  #alive(): void {
    if (this.#disposed)
      throw new PlanningError('this agent was disposed; create a new one with createAgent()');
  }

  /** The objective `name`, with the layout checked (a placeholder goal stands in for the real one). */
  #checkedObjective(name: string): GuidanceObjective {
    const objective = getObjective(name);
    const layout = this.#model.config.layout;
    const size = objective.goalSize(layout);
    objective.check({
      layout,
      normalization: this.#model.config.normalization,
      goal: size > 0 ? new Array<number>(size).fill(0) : null,
      stepMask: new Float32Array(this.#frames).fill(1),
      episodeSteps: 1,
    });
    return objective;
  }

  #checkGoal(goal: ArrayLike<number> | null): number[] | null {
    if (goal === null) return null;
    if (typeof goal !== 'object' || typeof goal.length !== 'number') {
      throw new InputError(`goal must be an array of numbers or null, got ${String(goal)}`);
    }
    const values = Array.from(goal, Number);
    const size = this.#objective.goalSize(this.#model.config.layout);
    if (size > 0 && values.length !== size) {
      throw new InputError(
        `goal has ${values.length} numbers; objective ${this.#objective.name} needs ${size}`,
      );
    }
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(`goal[${bad}] must be finite, got ${values[bad]}`);
    return values;
  }

  #checkObservation(observation: ArrayLike<number>, noisy: boolean, what: string): Float32Array {
    const size = this.#codec.observationSize;
    if (observation === null || typeof observation !== 'object' || observation.length !== size) {
      throw new InputError(
        `${what} must have ${size} numbers (the layout's observation fields), got ${
          observation === null || typeof observation !== 'object' ? String(observation) : observation.length
        }`,
      );
    }
    const values = Float32Array.from(observation);
    for (let i = 0; i < size; i++) {
      if (Number.isFinite(values[i]!)) continue;
      if (!noisy || this.#lastObservation.length !== size) {
        throw new InputError(
          `${what}[${i}] must be finite, got ${observation[i]}; flag a corrupted reading with { noisy: true }`,
        );
      }
      values[i] = this.#lastObservation[i]!;
    }
    return values;
  }

  /** Committed actions of a plan request: whole steps of finite numbers, clamped to the action bounds. */
  #checkCommitted(committed: ArrayLike<number> | undefined): Float32Array {
    if (committed === undefined || committed === null) return new Float32Array(0);
    const size = this.#codec.actionSize;
    if (
      typeof committed !== 'object' ||
      typeof committed.length !== 'number' ||
      committed.length % size !== 0
    ) {
      throw new InputError(
        `plan: committed must hold whole actions of ${size} numbers each, got ${
          typeof committed === 'object' ? `${committed.length} numbers` : String(committed)
        }`,
      );
    }
    const out = Float32Array.from(committed);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!))
        throw new InputError(`plan: committed[${i}] must be finite, got ${out[i]}`);
      out[i] = clamp(out[i]!, this.#low[i % size]!, this.#high[i % size]!);
    }
    return out;
  }

  /** The action executed this step: `override` (e.g. a safe stop) or what act() handed out; clamped. */
  #executedAction(override: ArrayLike<number> | undefined): Float32Array {
    const size = this.#codec.actionSize;
    let action: Float32Array;
    if (override !== undefined && override !== null) {
      if (typeof override !== 'object' || override.length !== size) {
        throw new InputError(`observe: options.action must have ${size} numbers, got ${String(override)}`);
      }
      action = Float32Array.from(override);
      const bad = action.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new InputError(`observe: options.action[${bad}] must be finite, got ${action[bad]}`);
    } else if (this.#issued !== null) {
      action = this.#issued;
    } else {
      throw new InputError(
        'observe() needs the executed action: call act() before stepping the env, or pass { action } (e.g. a safe stop)',
      );
    }
    for (let i = 0; i < size; i++) action[i] = clamp(action[i]!, this.#low[i]!, this.#high[i]!);
    return action;
  }

  /** A token boundary: absorb the executed token (posterior mode) and ask for the next plan. */
  #closeToken(observation: Float32Array): void {
    const pending = this.#pending;
    if (this.#config.stuckDistance > 0 && this.#tracking !== null && pending !== null) {
      const miss = predictionMiss(
        pending.steps,
        pending.stepSize,
        this.#pendingBase + this.#frames - 1,
        this.#tracking.stepPosition,
        observation,
        this.#tracking.obsPosition,
      );
      this.#stuck = afterToken(this.#stuck, miss, {
        distance: this.#config.stuckDistance,
        tokens: this.#config.stuckTokens,
        recoveryTokens: this.#config.recoveryTokens,
      });
    }
    if (this.#config.latentMode === 'posterior' && this.#z !== null) {
      const { observeLevel, noisyObserveLevel } = this.#config;
      // One noisy step makes the whole token noisy: the less trusted of the two levels applies.
      const level = this.#tokenNoisy ? Math.max(observeLevel, noisyObserveLevel) : observeLevel;
      const token = this.#codec.normalize(this.#tokenSteps);
      if (this.#tokenNoisy && this.#config.noisyAbsorb === 'noised') this.#diffuse(token, level);
      const zPrev = this.#z;
      const z = tf.tidy(() => {
        const { z: next, out } = this.#model.step(
          zPrev,
          tf.tensor2d(token, [1, this.#tokenSize]),
          tf.tensor1d([level], 'int32'),
        );
        out.dispose();
        return next;
      });
      this.#setLatent(z);
    }
    this.#boundaryObservation = observation;
    this.#stepsIntoToken = 0;
    this.#tokenNoisy = false;
    // The pending plan goes on into its next token (its rows are counted from its own first boundary).
    this.#pendingBase += this.#frames;
    if (this.#pending !== null && this.#pendingBase >= this.#pending.horizonTokens * this.#frames) {
      this.#pending = null;
    }
    if (this.#previous !== null) this.#previous.shift++;
  }

  /** Diffuses a normalised token to `level` in place: x_k = √ᾱ_k·x + √(1−ᾱ_k)·ε (the forward process). */
  #diffuse(token: Float32Array, level: number): void {
    const alphaBar = this.#schedule.alphaBar[level]!;
    const eps = this.#rng.fillNormal(new Float32Array(token.length), CLIP_NOISE);
    qSample(token, eps, alphaBar, token);
  }

  /** z₀ of a plan for `samples` chains [R, z]: the posterior, or the encoded boundary observation. */
  #startLatent(samples: number): tf.Tensor2D {
    return tf.tidy(() => {
      const z =
        this.#config.latentMode === 'posterior' && this.#z !== null
          ? this.#z
          : this.#encode(this.#boundaryObservation);
      return samples === 1 ? tf.clone(z) : (tf.tile(z, [samples, 1]) as tf.Tensor2D);
    });
  }

  /** z₀ = initialLatent(normalised observation), [1, z]. */
  #encode(observation: Float32Array): tf.Tensor2D {
    const model = this.#model;
    if (model.config.initLatent !== 'encoder') return model.initialLatent(null, 1);
    return tf.tidy(() =>
      model.initialLatent(
        tf.tensor2d(this.#codec.normalizeObservation(observation), [1, this.#codec.observationSize]),
        1,
      ),
    );
  }

  #setLatent(z: tf.Tensor2D | null): void {
    if (this.#z !== null && this.#z !== z) this.#z.dispose();
    this.#z = z;
  }

  #checkFinite(tokens: Float32Array, objectiveValue: number, scored: boolean): void {
    const bad = tokens.findIndex((v) => !Number.isFinite(v));
    if (bad < 0 && (!scored || Number.isFinite(objectiveValue))) return;
    this.#previous = null;
    const where =
      bad >= 0
        ? `token ${Math.floor(bad / this.#tokenSize)}, value ${bad % this.#tokenSize} is ${tokens[bad]}`
        : `the objective value is ${objectiveValue}`;
    this.#logger?.warn(`plan rejected: ${where}`);
    throw new PlanningError(
      `the plan is not finite (${where}); no action was produced. Publish a safe command, lower guidanceScale ` +
        'if this repeats, and check the model and observations',
    );
  }
}

/** Checks the action bounds: one finite pair per action component, low ≤ high. */
function checkBounds(
  low: ArrayLike<number>,
  high: ArrayLike<number>,
  size: number,
  issues: ConfigIssue[],
): { low: Float32Array; high: Float32Array } {
  const out = { low: new Float32Array(size), high: new Float32Array(size) };
  if (size === 0) {
    issues.push({
      path: 'layout',
      message: 'the model layout has no action field, so there is nothing to plan',
    });
    return out;
  }
  const read = (values: ArrayLike<number>, name: 'actionLow' | 'actionHigh'): boolean => {
    if (values === null || typeof values !== 'object' || values.length !== size) {
      issues.push({
        path: name,
        message: `must have ${size} numbers (one per action component), got ${
          values === null || typeof values !== 'object' ? String(values) : values.length
        }`,
      });
      return false;
    }
    for (let i = 0; i < size; i++) {
      const v = values[i]!;
      if (typeof v !== 'number' || !Number.isFinite(v))
        issues.push({ path: `${name}[${i}]`, message: `must be finite, got ${v}` });
      out[name === 'actionLow' ? 'low' : 'high'][i] = v;
    }
    return true;
  };
  if (read(low, 'actionLow') && read(high, 'actionHigh')) {
    for (let i = 0; i < size; i++) {
      if (out.low[i]! > out.high[i]!) {
        issues.push({
          path: `actionLow[${i}]`,
          message: `${out.low[i]} is above actionHigh[${i}] = ${out.high[i]}`,
        });
      }
    }
  }
  return out;
}

/** Settings that depend on the model. */
function collectModelIssues(config: PlannerConfig, model: DfModel, issues: ConfigIssue[]): void {
  if (config.planNetwork === 'plain') {
    // Builds (or refreshes) the model's Float32Array copy now, so a model it cannot copy is refused here.
    try {
      plainNetworkFor(model);
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues);
      else throw error;
    }
  }
  if (config.latentMode === 'reencode' && model.config.initLatent !== 'encoder') {
    issues.push({
      path: 'latentMode',
      message: `'reencode' rebuilds z from the current observation, but this model's initial latent is '${model.config.initLatent}' (no encoder); use 'posterior'`,
    });
  }
}

function passes(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

function argMax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if (values[i]! > values[best]! || Number.isNaN(values[best]!)) best = i;
  return best;
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(Math.max(x, low), high);
}
