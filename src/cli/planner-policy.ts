/**
 * Drives a planner `Agent` (src/planner) as a `Policy` of the episode runner (sim/episode-runner.ts), and
 * resolves the planner settings `df-planner eval --model` runs with. Lives in src/cli because it joins the two
 * layers (only src/cli and src/bench import sim/: test/import-rules.test.ts).
 *
 * Per episode: a fresh agent (its noise seed mixed from the run's planner seed and the global episode index,
 * so an episode replays the same whether it runs alone, in a split run or in the whole run), reset with the
 * post-reset observation, the env's goal and the episode's steps; then per env step
 *   needsPlan → plan()  (timed: the plan latency)   act()  (timed)   env.step   observe(o, r)  (timed)
 * and the agent is disposed at the episode's end. Plan latency is the wall time around plan() as the caller
 * sees it (PlanResult.ms is the agent's own measurement of the same call).
 *
 * Settings precedence (later wins): `defaultPlannerConfig` < the `planner` block of the model's provenance in
 * model.json (a shipped model carries its tuned settings) < command-line flags. The noise seed is the one
 * exception: it always comes from the command line (--planner-seed, default --seed). The resolution itself
 * (`resolvePlannerSettings`, `explainConfigError`) lives in src/planner/resolve-settings.ts, shared with
 * `bench plan`; it is re-exported here for eval.
 */
import type { EnvInfo } from '../../sim/env.js';
import type { EpisodeContext, Policy, PolicyPlan, PolicyTrace } from '../../sim/episode-runner.js';
import { InputError, ModelFileError, PlanningError } from '../errors.js';
import type { TrainingProvenance } from '../model/checkpoint.js';
import type { Agent, PlanResult } from '../planner/index.js';
import { observationIndices, type TokenLayout } from '../tasks/token-layout.js';

export {
  explainConfigError,
  type ResolvedPlannerConfig,
  resolvePlannerSettings,
  type SettingSource,
} from '../planner/index.js';

export interface PlannerPolicyOptions {
  /** Builds the agent for one episode; `seed` is the episode's planner seed (see `episodeSeed`). */
  readonly createAgent: (seed: number) => Agent;
  /** Run planner seed, mixed with each episode's global index. */
  readonly seed: number;
  /**
   * Offset of the planned (x, y) position inside one env step of `PlanResult.steps`, for the plan paths of
   * recorded episodes; null = keep no plan paths (a task whose observation starts with no position).
   */
  readonly positionOffset: number | null;
  /** Before the first episode, plan once with a throwaway agent so plan latencies exclude one-off warm-up. */
  readonly warmup?: boolean;
  /** Clock in ms; default performance.now. */
  readonly now?: () => number;
  /** Called after every plan() (e.g. to update a progress bar). */
  readonly onPlan?: (record: PolicyPlan, plan: PlanResult, episode: EpisodeContext) => void;
}

export interface PlannerPolicy extends Policy {
  /** Wall time of the warm-up plan, ms (null before it ran or when switched off). */
  readonly warmupMs: number | null;
  /** Frees the live agent, if an episode was cut short by an error. */
  dispose(): void;
}

/** The planner seed of global episode `index`: a 31-bit mix of the run seed and the index. */
export function episodeSeed(seed: number, index: number): number {
  let h = Math.imul((index + 1) >>> 0, 0x9e3779b1) ^ Math.imul(seed >>> 0, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return (h >>> 0) % 2 ** 31;
}

export function plannerPolicy(options: PlannerPolicyOptions): PlannerPolicy {
  const now = options.now ?? (() => performance.now());
  let agent: Agent | null = null;
  let episode: EpisodeContext | null = null;
  let plans: PolicyPlan[] = [];
  let actMs = new Float64Array(0);
  let observeMs = new Float64Array(0);
  let step = 0;
  let warmupMs: number | null = null;
  let warmupDue = options.warmup === true;

  const resetOptions = (observation: Float64Array, info: EnvInfo, steps: number) => ({
    observation,
    goal: info.goal ?? null,
    stepsRemaining: steps,
    episodeSteps: steps,
  });

  const dispose = () => {
    agent?.dispose();
    agent = null;
  };

  return {
    get warmupMs() {
      return warmupMs;
    },
    dispose,
    reset(observation, info, context) {
      dispose();
      const ctx = context;
      if (!ctx || !(ctx.steps >= 1)) {
        throw new InputError(
          'plannerPolicy: reset needs the episode context (steps ≥ 1) from evaluatePolicy',
        );
      }
      if (warmupDue) {
        warmupDue = false;
        const scratch = options.createAgent(episodeSeed(options.seed, -1));
        try {
          scratch.reset(resetOptions(observation, info, ctx.steps));
          const t0 = now();
          scratch.plan();
          warmupMs = now() - t0;
        } finally {
          scratch.dispose();
        }
      }
      episode = ctx;
      agent = options.createAgent(episodeSeed(options.seed, ctx.index));
      agent.reset(resetOptions(observation, info, ctx.steps));
      plans = [];
      actMs = new Float64Array(ctx.steps);
      observeMs = new Float64Array(ctx.steps);
      step = 0;
    },
    act(observation) {
      if (!agent || !episode)
        throw new PlanningError('plannerPolicy: act() before reset(); reset starts an episode');
      if (agent.needsPlan) {
        const t0 = now();
        const plan = agent.plan();
        const ms = now() - t0;
        const record: PolicyPlan = {
          step,
          ms,
          cellCalls: plan.cellCalls,
          warm: plan.warm,
          ...(episode.recorded && options.positionOffset !== null
            ? { plan: plannedPositions(plan, observation, options.positionOffset, episode.steps - step) }
            : {}),
        };
        plans.push(record);
        options.onPlan?.(record, plan, episode);
      }
      const t0 = now();
      const action = agent.act();
      actMs[step] = now() - t0;
      return Float64Array.from(action);
    },
    observe(observation, reward, _info, flags) {
      if (!agent) throw new PlanningError('plannerPolicy: observe() before reset(); reset starts an episode');
      const t0 = now();
      // A reading flagged noisy (a corrupted sensor) is absorbed at the agent's noisyObserveLevel.
      agent.observe(observation, reward, flags?.noisy === true ? { noisy: true } : {});
      observeMs[step] = now() - t0;
      step += 1;
    },
    endEpisode(): PolicyTrace {
      dispose();
      return { plans, actMs: actMs.subarray(0, step), observeMs: observeMs.subarray(0, step) };
    },
  };
}

/**
 * The executed sample's planned positions as a polyline [x, y, …]: the position the plan was made from, then
 * the planned position after each env step, cut at the episode's end (the flexible horizon's last token may
 * overhang it).
 */
export function plannedPositions(
  plan: Pick<PlanResult, 'steps' | 'stepSize'>,
  observation: ArrayLike<number>,
  positionOffset: number,
  stepsLeft: number,
): Float64Array {
  const n = Math.max(0, Math.min(Math.floor(plan.steps.length / plan.stepSize), stepsLeft));
  const out = new Float64Array(2 * (n + 1));
  out[0] = observation[0]!;
  out[1] = observation[1]!;
  for (let j = 0; j < n; j++) {
    out[2 * (j + 1)] = plan.steps[j * plan.stepSize + positionOffset]!;
    out[2 * (j + 1) + 1] = plan.steps[j * plan.stepSize + positionOffset + 1]!;
  }
  return out;
}

/**
 * Checks that a model's token layout fits an env (action and observation sizes) and returns where the (x, y)
 * position sits inside one step (the first two observation dimensions, the env's observation order).
 */
export function modelFitsEnv(
  layout: TokenLayout,
  env: { readonly id: string; readonly actionSize: number; readonly observationSize: number },
  modelDir: string,
): { positionOffset: number } {
  const size = (kind: string) => layout.fields.filter((f) => f.kind === kind).reduce((n, f) => n + f.size, 0);
  const problems: string[] = [];
  if (size('action') !== env.actionSize)
    problems.push(`${size('action')} action dims, the env takes ${env.actionSize}`);
  if (size('observation') !== env.observationSize)
    problems.push(`${size('observation')} observation dims, the env gives ${env.observationSize}`);
  const obs = observationIndices(layout);
  if (obs.length < 2 || obs[1] !== obs[0]! + 1)
    problems.push('no (x, y) position at the start of its observation');
  if (problems.length > 0) {
    throw new ModelFileError(
      modelDir,
      `does not fit ${env.id}: its tokens have ${problems.join('; ')}; pass a model trained with --task ${env.id}`,
    );
  }
  return { positionOffset: obs[0]! };
}

/** The task a model was trained on, from its provenance (dataset id 'task/…' or the command's --task), or null. */
export function modelTask(provenance: TrainingProvenance): string | null {
  const fromDataset = /^([a-z0-9-]+)\//i.exec(provenance.datasetId ?? '')?.[1];
  if (fromDataset) return fromDataset;
  return /--task[ =](\S+)/.exec(provenance.command ?? '')?.[1] ?? null;
}
