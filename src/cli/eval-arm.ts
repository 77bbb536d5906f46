/**
 * `df-planner eval --task arm-swap`: runs the fruit-swap arm for N episodes (exactly half AB, half BA: even
 * global episode indices are AB) and prints the success rate with its Wilson 95 % interval, per-case success,
 * wrong moves and time to success (sim/arm/evaluate.ts).
 *
 * Policies: `--model DIR` runs the Diffusion Forcing planner (unguided imitation; `--latent posterior` keeps the
 * latent across the episode, `--latent reencode` is the memoryless baseline); without it the scripted expert
 * (privileged true state) runs as the reference. `--occlude window|move|rest` corrupts the fruit readings the
 * policy sees the `--occlude-mode zeros|stale|distractor` way (sim/arm/occlusion.ts), and `--flag-noisy`
 * tells the planner which readings are corrupted (absorbed at --noisy-observe-level); without it the planner
 * trusts them. `--plot FILE` draws each recorded episode: the fruits' slots over time and the arm's path seen
 * from above, with its episode, case and outcome.
 */
import {
  type ArmEvaluation,
  type ArmSwapEnv,
  armExpertPolicy,
  createArmEnv,
  evaluateArmPolicy,
  type OcclusionSpec,
} from '../../sim/arm/index.js';
import type { Policy } from '../../sim/episode-runner.js';
import { armPicturePng } from '../../sim/render/index.js';
import { roundTo } from '../bench/timing.js';
import { ConfigError, ModelFileError } from '../errors.js';
import { stderrLogger } from '../logging.js';
import { createRng } from '../math/rng.js';
import { writePlannerSettings } from '../model/checkpoint.js';
import { writePng } from '../render/index.js';
import { evalPlanner, formatConfig, keysFrom, latencyJson, progressBar } from './eval-planner.js';
import { exitAfterWrites, writeAfterWork } from './output-path.js';
import { type PlannerPolicy, plannerPolicy } from './planner-policy.js';
import { fixed } from './summary-format.js';
import { type LoadedModel, withModel } from './with-model.js';

/** The eval flags this task reads (eval.ts declares them). */
export interface ArmEvalOptions {
  readonly model?: string | undefined;
  readonly policy: string;
  readonly episodes: number;
  readonly seed: number;
  readonly 'episodes-offset': number;
  readonly 'max-steps'?: number | undefined;
  readonly plot?: string | undefined;
  readonly 'plot-episodes': number;
  readonly json?: boolean | undefined;
  readonly backend?: string | undefined;
  readonly 'no-warmup'?: boolean | undefined;
  readonly 'allow-task-mismatch'?: boolean | undefined;
  readonly 'save-planner'?: boolean | undefined;
  readonly occlude?: string | undefined;
  readonly 'occlude-mode': string;
  readonly 'flag-noisy'?: boolean | undefined;
  readonly 'random-goal'?: boolean | undefined;
  readonly [flag: string]: unknown;
}

/** `taskId`: the registry task being evaluated (an arm task). */
export async function runArmEval(
  opts: ArmEvalOptions,
  argv: readonly string[],
  taskId: string,
): Promise<number> {
  if (opts['random-goal'] === true) {
    throw new ConfigError(
      '--random-goal is a maze setting; the arm swap has no goal to draw',
      '--random-goal',
    );
  }
  if (opts.model === undefined && opts.policy !== 'expert') {
    throw new ConfigError(
      `--policy ${opts.policy} is a maze baseline; ${taskId} has the scripted expert (the default) or --model DIR`,
      '--policy',
    );
  }
  if (opts['flag-noisy'] === true && opts.occlude === undefined) {
    throw new ConfigError(
      'marks occluded readings as noisy; pass --occlude window|move|rest with it',
      '--flag-noisy',
    );
  }
  const occlusion: OcclusionSpec | undefined =
    opts.occlude === undefined
      ? undefined
      : ({ window: opts.occlude, mode: opts['occlude-mode'] } as OcclusionSpec);
  if (opts.model === undefined) return runArm(taskId, opts, argv, occlusion, null);
  const dir = opts.model;
  return withModel(dir, opts.backend, (loaded) => runArm(taskId, opts, argv, occlusion, { dir, loaded }));
}

async function runArm(
  taskId: string,
  opts: ArmEvalOptions,
  argv: readonly string[],
  occlusion: OcclusionSpec | undefined,
  model: { dir: string; loaded: LoadedModel } | null,
): Promise<number> {
  const env: ArmSwapEnv = await createArmEnv();
  let policy: Policy;
  let planner: Awaited<ReturnType<typeof evalPlanner>> | null = null;
  let plannerPolicyRef: PlannerPolicy | null = null;
  let result: ArmEvaluation;
  const label = model === null ? 'expert' : 'planner';
  const bar = progressBar(`${taskId} ${label} [{bar}] {value}/{total} episodes | step {step}/{steps}`);
  const started = performance.now();
  try {
    if (model === null) {
      // The expert draws from its own stream: seed + 2³² differs from the episode-start stream createRng(seed).
      policy = armExpertPolicy(() => env.truth(), createRng(opts.seed + 2 ** 32));
    } else {
      checkArmLayout(taskId, model.dir, model.loaded, env);
      planner = await evalPlanner(opts, model.dir, model.loaded, taskId, env.actionSpace);
      plannerPolicyRef = plannerPolicy({
        createAgent: planner.makeAgent,
        seed: planner.plannerSeed,
        positionOffset: null,
        warmup: opts['no-warmup'] !== true,
      });
      policy = plannerPolicyRef;
    }
    bar.start(opts.episodes, 0, { step: 0, steps: env.episodeLength });
    result = await evaluateArmPolicy(() => env, policy, {
      episodes: opts.episodes,
      seed: opts.seed,
      episodeOffset: opts['episodes-offset'],
      ...(opts['max-steps'] !== undefined ? { maxSteps: opts['max-steps'] } : {}),
      recordEpisodes: opts.plot !== undefined ? opts['plot-episodes'] : 0,
      balanceCases: true,
      ...(occlusion ? { occlusion } : {}),
      flagNoisy: opts['flag-noisy'] === true,
      onEpisode: (k) => bar.update(k + 1),
      onStep: (_k, steps) => {
        if (steps % 20 === 0) bar.update({ step: steps });
      },
    });
  } finally {
    bar.stop();
    plannerPolicyRef?.dispose();
    env.close();
  }
  const seconds = (performance.now() - started) / 1000;
  stderrLogger.info(`${taskId} ${label}: ${opts.episodes} episodes in ${seconds.toFixed(1)} s`);
  const plotError = writeArmPlot(taskId, opts, result, label);
  const latency = latencyJson(result.records);
  const setup = {
    task: taskId,
    policy: label,
    episodes: result.episodes,
    seed: opts.seed,
    episodeOffset: result.episodeOffset,
    episodeLength: result.episodeLength,
    ...(opts['max-steps'] !== undefined ? { maxSteps: opts['max-steps'] } : {}),
    occlude: occlusion?.window ?? null,
    occludeMode: occlusion ? occlusion.mode : null,
    flagNoisy: opts['flag-noisy'] === true,
  };
  const headline = {
    successRate: result.successRate,
    successCi95: result.successCi95.map((v) => roundTo(v, 4)),
    perCase: result.perCase,
    wrongMovesMean: result.wrongMovesMean,
    episodesWithWrongMoves: result.episodesWithWrongMoves,
    movesMean: result.movesMean,
    timeToSuccessMean: result.timeToSuccessMean === null ? null : roundTo(result.timeToSuccessMean, 2),
    occludedStepsMean: result.occludedStepsMean,
  };
  if (planner !== null && model !== null && opts['save-planner'] === true) {
    const { seed: _seed, ...settings } = planner.resolved.config;
    writePlannerSettings(model.dir, settings, {
      command: ['df-planner', 'eval', ...argv.filter((a) => a !== '--save-planner')].join(' '),
      trainingSteps: model.loaded.provenance.steps,
      episodes: result.episodes,
      seed: opts.seed,
      successRate: result.successRate,
      successCi95: headline.successCi95,
      planMsMedian: latency.planMs.median,
      planMsP99: latency.planMs.p99,
      savedAt: new Date().toISOString(),
    });
    stderrLogger.info(`planner settings saved in ${planner.modelFile}`);
  }
  const out = {
    ...setup,
    ...headline,
    perEpisode: result.records.map((r) => ({
      index: r.index,
      resetSeed: r.resetSeed,
      case: r.case,
      success: r.success,
      successStep: r.successStep,
      moves: r.moves,
      wrongMoves: r.wrongMoves,
      occludedSteps: r.occludedSteps,
      ...(r.policyTrace ? { plans: r.policyTrace.plans.length } : {}),
    })),
    ...(planner !== null && model !== null
      ? {
          model: {
            dir: model.dir,
            task: planner.trainedOn,
            trainingSteps: model.loaded.provenance.steps,
            parameters: model.loaded.model.parameterCount,
            backend: model.loaded.backend.name,
          },
          planner: planner.resolved.config,
          plannerSettingsFrom: {
            model: keysFrom(planner.resolved.sources, 'model'),
            flags: keysFrom(planner.resolved.sources, 'flag').filter((k) => k !== 'seed'),
          },
          ...latency,
          warmupMs: plannerPolicyRef?.warmupMs == null ? null : roundTo(plannerPolicyRef.warmupMs, 3),
        }
      : {}),
    wallSeconds: roundTo(seconds, 1),
    engineVersion: env.engineVersion,
    ...(opts.plot !== undefined ? { plot: opts.plot } : {}),
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return exitAfterWrites('eval', plotError);
  }
  const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : '-');
  const [lo, hi] = result.successCi95;
  const occluded = occlusion
    ? `, occluded ${occlusion.window}/${occlusion.mode} ${opts['flag-noisy'] ? 'flagged noisy' : 'trusted'}`
    : '';
  const lines = [
    `${taskId}, policy ${model === null ? 'expert' : `planner ${model.dir}`}, ${result.episodes} episodes, seed ${opts.seed}${occluded}`,
    `success rate      ${pct(result.successRate)} (${result.successes}/${result.episodes}), Wilson 95 % [${pct(lo)}, ${pct(hi)}]`,
    `per case          AB ${pct(result.perCase.AB.successRate)} (${result.perCase.AB.successes}/${result.perCase.AB.episodes}), BA ${pct(result.perCase.BA.successRate)} (${result.perCase.BA.successes}/${result.perCase.BA.episodes})`,
    `moves             ${fixed(result.movesMean, 2, '-')} per episode, wrong ${fixed(result.wrongMovesMean, 2, '-')} (${pct(result.episodesWithWrongMoves)} of episodes with one)`,
    `time to success   ${result.timeToSuccessMean === null ? 'never' : `${result.timeToSuccessMean.toFixed(1)} s`} (mean over successes; limit ${(result.episodeLength * env.dt).toFixed(0)} s)`,
    ...(occlusion ? [`occluded steps    ${fixed(result.occludedStepsMean, 1, '-')} per episode`] : []),
    ...(planner !== null
      ? [
          `plan latency      median ${fixed(latency.planMs.median, 1, '-')} ms, p99 ${fixed(latency.planMs.p99, 1, '-')} ms over ${latency.planMs.count} plans`,
          `planner           ${formatConfig(planner.resolved.config)}`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return exitAfterWrites('eval', plotError);
}

/** The model's tokens must be the arm's: 4 action and 15 observation numbers per step. */
function checkArmLayout(taskId: string, dir: string, loaded: LoadedModel, env: ArmSwapEnv): void {
  const size = (kind: string) =>
    loaded.model.config.layout.fields.filter((f) => f.kind === kind).reduce((n, f) => n + f.size, 0);
  const action = size('action');
  const observation = size('observation');
  const wantAction = env.actionSpace.low.length;
  const wantObservation = env.observationSpace.low.length;
  if (action !== wantAction || observation !== wantObservation) {
    throw new ModelFileError(
      dir,
      `does not fit ${taskId}: its steps have ${action} action and ${observation} observation numbers, the arm ${wantAction} and ${wantObservation}; pass a model trained with --task ${taskId}`,
    );
  }
}

function writeArmPlot(
  taskId: string,
  opts: ArmEvalOptions,
  result: ArmEvaluation,
  label: string,
): string | null {
  const file = opts.plot;
  if (file === undefined) return null;
  const drawn = result.records.filter((r) => r.slots !== undefined && r.path !== undefined);
  const pct = (100 * result.successRate).toFixed(0);
  const title = `${taskId}, ${label}, seed ${opts.seed}: ${pct}% success over ${result.episodes} episodes`;
  const error = writeAfterWork('the plot', file, () =>
    writePng(
      file,
      armPicturePng(
        drawn.map((r) => ({
          label: `ep ${r.index} ${r.case} ${r.success ? 'success' : 'FAIL'}${r.wrongMoves > 0 ? ` ${r.wrongMoves} wrong` : ''}`,
          success: r.success,
          slots: r.slots!,
          path: r.path!,
        })),
        { title, stepSeconds: 0.1 },
      ),
    ),
  );
  if (error === null) stderrLogger.info(`wrote ${file} (${drawn.length} episodes)`);
  return error;
}
