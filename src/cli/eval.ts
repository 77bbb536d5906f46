/**
 * `df-planner eval`: runs a policy on a Maze2D task for N episodes and prints the D4RL normalised score
 * (mean ± stderr), success rate, first-reach step and raw return. `--task arm-swap` runs the fruit-swap arm
 * instead, with its own scoring, occlusion flags and picture (eval-arm.ts).
 *
 * Policies: `--model DIR` runs the Diffusion Forcing MPC planner (src/planner) on a trained model, reporting
 * plan latency too (wall time of each plan(): median, p99, count; cell calls per plan; act/observe overhead).
 * Without it, `--policy` picks a baseline: `expert` (waypoint controller, fresh per episode: the correct
 * expert), `expert-reused` (one controller for all episodes: D4RL's flawed ref_max procedure, for comparison)
 * or `random` (uniform actions: D4RL's ref_min procedure).
 *
 * Planner settings, later wins: `defaultPlannerConfig` < the `planner` block of the model's provenance in
 * model.json < the flags below (kebab-case PlannerConfig fields). The effective settings are printed. The
 * planner's noise seed is --planner-seed (default --seed), mixed with each episode's index, and every episode
 * gets a fresh agent: an episode plays the same alone, in a split run (--episodes-offset) or in the whole run.
 *
 * `--seed` fixes the start set: episode k starts from the k-th draw of the seed's stream (offset included).
 * `--plot FILE` writes one PNG with the first `--plot-episodes` episodes as a grid of panels; for the planner,
 * each plan is drawn as a faint line under the executed path.
 */

import { OCCLUSION_MODES, OCCLUSION_WINDOWS } from '../../sim/arm/index.js';
import {
  createMazeEnv,
  type EvaluationResult,
  evaluatePolicy,
  expertPolicy,
  type MazeTask,
  mazeTask,
  type Policy,
  randomPolicy,
} from '../../sim/maze2d/index.js';
import { mazePicturePng } from '../../sim/render/index.js';
import { findTask, taskIds } from '../../sim/task-registry.js';
import { roundTo } from '../bench/timing.js';
import { ConfigError } from '../errors.js';
import { stderrLogger } from '../logging.js';
import { createRng } from '../math/rng.js';
import { writePlannerSettings } from '../model/checkpoint.js';
import { writePng } from '../render/index.js';
import type { ParsedOptions } from './args.js';
import { defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { runArmEval } from './eval-arm.js';
import {
  type EvalPlanner,
  evalPlanner,
  formatConfig,
  keysFrom,
  latencyJson,
  progressBar,
} from './eval-planner.js';
import { checkOutputFile, exitAfterWrites, writeAfterWork } from './output-path.js';
import { plannerFlagNames, plannerFlagOptions } from './planner-flags.js';
import { modelFitsEnv, type PlannerPolicy, plannerPolicy } from './planner-policy.js';
import { fixed, meanStderr } from './summary-format.js';
import { backendOption, type LoadedModel, withModel } from './with-model.js';

const POLICIES = ['expert', 'expert-reused', 'random'] as const;

const options = {
  task: { kind: 'string', description: 'task to evaluate on', choices: taskIds('eval'), required: true },
  model: {
    kind: 'string',
    description: 'trained model directory (model.json + weights.bin): evaluate the planner on it',
  },
  policy: {
    kind: 'string',
    description:
      'baseline without --model: expert (fresh controller per episode), expert-reused (D4RL ref_max procedure), random',
    choices: POLICIES,
    default: 'expert',
  },
  episodes: { kind: 'integer', description: 'episodes to run', min: 1, max: 100_000, default: 100 },
  seed: {
    kind: 'integer',
    description: 'seed of the episode starts (a fixed start set per seed) and of the policy',
    min: 0,
    max: 2 ** 31,
    default: 0,
  },
  'episodes-offset': {
    kind: 'integer',
    description: 'skip the first N starts of the seed (split a run: offset 0 + 50 and offset 50 + 50)',
    min: 0,
    max: 10_000_000,
    default: 0,
  },
  'max-steps': {
    kind: 'integer',
    description: 'cut episodes after N steps (smoke runs; scores are then not comparable to D4RL)',
    min: 1,
    max: 100_000,
  },
  'random-goal': {
    kind: 'boolean',
    description: 'draw a random goal per episode (Multi2D) instead of the fixed one',
  },
  plot: { kind: 'string', description: 'write a PNG of the first episodes (with the plans) to this file' },
  'plot-episodes': {
    kind: 'integer',
    description: 'episodes drawn by --plot',
    min: 1,
    max: 100,
    default: 16,
  },
  json: { kind: 'boolean', description: 'print one JSON line on stdout' },
  occlude: {
    kind: 'string',
    description:
      'arm-swap: corrupt the fruit readings for a 3 s window, a whole move (the second) or the rest of the episode after the first move',
    choices: OCCLUSION_WINDOWS,
  },
  'occlude-mode': {
    kind: 'string',
    description:
      'arm-swap: how occluded readings are corrupted: zeros, stale (frozen) or distractor (fruits swapped)',
    choices: OCCLUSION_MODES,
    default: 'zeros',
  },
  'flag-noisy': {
    kind: 'boolean',
    description:
      'arm-swap: tell the planner which readings are occluded (absorbed at --noisy-observe-level); without it the planner trusts them',
  },
  backend: backendOption,
  ...plannerFlagOptions,
  'no-warmup': {
    kind: 'boolean',
    description: 'planner: skip the untimed warm-up plan before the first episode',
  },
  'allow-task-mismatch': {
    kind: 'boolean',
    description: 'run a model trained on another maze task (normally refused)',
  },
  'save-planner': {
    kind: 'boolean',
    description:
      "write the effective planner settings (and this evaluation's headline numbers) into the model's model.json, so eval and the node start from them",
  },
} as const;

type Options = ParsedOptions<typeof options>;

const usage = [
  'df-planner eval --task maze2d-medium --model DIR [--episodes N] [--seed s] [--json] [--plot FILE] [planner flags]',
  '       df-planner eval --task maze2d-umaze [--policy expert|expert-reused|random] [--episodes N] [--seed s] [--json]',
  '       df-planner eval --task arm-swap --model DIR [--latent posterior|reencode] [--occlude window|move|rest',
  '                       [--occlude-mode zeros|stale|distractor] [--flag-noisy]] [--episodes N] [--seed s] [--json] [--plot FILE]',
  '',
  'Planner settings, later wins: built-in defaults (defaultPlannerConfig) < the "planner" block of the ' +
    "model's provenance in model.json < the planner flags. The effective settings are printed with the result.",
].join('\n');

export default defineCommand({
  summary: COMMAND_SUMMARIES.eval,
  usage,
  options,
  async run(opts, { argv }) {
    if (opts.plot !== undefined) checkOutputFile(opts.plot, '--plot', `eval-${opts.task}.png`);
    if (findTask(opts.task)?.robot === 'arm') return runArmEval(opts, argv, opts.task);
    for (const flag of ['occlude', 'flag-noisy'] as const) {
      if (opts[flag] !== undefined) {
        throw new ConfigError(
          `corrupts the arm's fruit readings; it needs an arm task (--task ${taskIds('eval')
            .filter((t) => findTask(t)?.robot === 'arm')
            .join(', ')})`,
          `--${flag}`,
        );
      }
    }
    const task = mazeTask(opts.task);
    if (opts.model === undefined) {
      const plannerOnly = [...plannerFlagNames, 'no-warmup', 'allow-task-mismatch', 'backend'].filter((f) =>
        argv.some((a) => a === `--${f}` || a.startsWith(`--${f}=`)),
      );
      if (plannerOnly.length > 0) {
        throw new ConfigError(
          `${plannerOnly.map((f) => `--${f}`).join(', ')} set${plannerOnly.length === 1 ? 's' : ''} up the planner and need${plannerOnly.length === 1 ? 's' : ''} --model DIR (a trained model directory)`,
        );
      }
      return runBaseline(opts, task);
    }
    if (argv.some((a) => a === '--policy' || a.startsWith('--policy='))) {
      throw new ConfigError(
        '--policy picks a baseline and --model the planner; pass one of them',
        '--policy',
      );
    }
    const dir = opts.model;
    return withModel(dir, opts.backend, (loaded) => runPlanner(opts, task, dir, loaded, argv));
  },
});

async function runBaseline(opts: Options, task: MazeTask): Promise<number> {
  // The policy draws from its own stream: seed + 2³² differs from the episode-start stream createRng(seed).
  const policyRng = createRng(opts.seed + 2 ** 32);
  const policy: Policy =
    opts.policy === 'random'
      ? randomPolicy(policyRng)
      : expertPolicy(task.maze, { rng: policyRng, reuseController: opts.policy === 'expert-reused' });
  let engineVersion = '';
  const bar = progressBar(`${task.id} ${opts.policy} [{bar}] {value}/{total} episodes`);
  const started = performance.now();
  bar.start(opts.episodes, 0);
  let result: EvaluationResult;
  try {
    result = await evaluatePolicy(
      async () => {
        const env = await createMazeEnv(task.id);
        engineVersion = env.engineVersion;
        return env;
      },
      policy,
      {
        ...runOptions(opts),
        onEpisode: (k) => bar.update(k + 1),
      },
    );
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  stderrLogger.info(`${task.id} ${opts.policy}: ${opts.episodes} episodes in ${seconds.toFixed(1)} s`);
  const plotError = writePlot(opts, task, result, opts.policy);
  const out = { ...summaryJson(opts, task, result, opts.policy), engineVersion, ...plotJson(opts) };
  if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${summaryText(opts, result, opts.policy).join('\n')}\n`);
  return exitAfterWrites('eval', plotError);
}

async function runPlanner(
  opts: Options,
  task: MazeTask,
  dir: string,
  loaded: LoadedModel,
  argv: readonly string[],
): Promise<number> {
  const { model, provenance } = loaded;
  const env = await createMazeEnv(task.id);
  let planner: EvalPlanner;
  try {
    planner = await evalPlanner(opts, dir, loaded, task.id, env.actionSpace);
  } catch (err) {
    env.close();
    throw err;
  }
  const { resolved, plannerSeed, modelFile, trainedOn } = planner;
  const engineVersion = env.engineVersion;
  let policy: PlannerPolicy | null = null;
  let result: EvaluationResult;
  const bar = progressBar(
    `${task.id} planner [{bar}] {value}/{total} episodes | step {step}/{steps} | last plan {planMs} ms`,
  );
  const started = performance.now();
  try {
    const { positionOffset } = modelFitsEnv(
      model.config.layout,
      {
        id: env.id,
        actionSize: env.actionSpace.low.length,
        observationSize: env.observationSpace.low.length,
      },
      dir,
    );
    const offset = opts['episodes-offset'];
    policy = plannerPolicy({
      createAgent: planner.makeAgent,
      seed: plannerSeed,
      positionOffset,
      warmup: opts['no-warmup'] !== true,
      onPlan: (record, _plan, episode) =>
        bar.update(episode.index - offset, {
          step: record.step,
          steps: episode.steps,
          planMs: record.ms.toFixed(1),
        }),
    });
    bar.start(opts.episodes, 0, { step: 0, steps: 0, planMs: '-' });
    result = await evaluatePolicy(() => env, policy, {
      ...runOptions(opts),
      onEpisode: (k) => bar.update(k + 1),
    });
  } finally {
    bar.stop();
    policy?.dispose();
    env.close();
  }
  const seconds = (performance.now() - started) / 1000;
  stderrLogger.info(`${task.id} planner (${dir}): ${opts.episodes} episodes in ${seconds.toFixed(1)} s`);
  const plotError = writePlot(opts, task, result, 'planner');

  const latency = latencyJson(result.records);
  if (opts['save-planner']) {
    // The seed is a property of a run, not of the model: it stays on the command line.
    const { seed: _seed, ...settings } = resolved.config;
    writePlannerSettings(dir, settings, {
      command: ['df-planner', 'eval', ...argv.filter((a) => a !== '--save-planner')].join(' '),
      trainingSteps: provenance.steps,
      episodes: opts.episodes,
      seed: opts.seed,
      normalizedScore: roundTo(result.normalizedScore.mean, 2),
      normalizedScoreStderr: roundTo(result.normalizedScore.stderr, 2),
      successRate: result.successRate,
      planMsMedian: latency.planMs.median,
      planMsP99: latency.planMs.p99,
      savedAt: new Date().toISOString(),
    });
    stderrLogger.info(`planner settings saved in ${modelFile}`);
  }
  const out = {
    ...summaryJson(opts, task, result, 'planner'),
    model: {
      dir,
      task: trainedOn,
      trainingSteps: provenance.steps,
      parameters: model.parameterCount,
      backend: loaded.backend.name,
    },
    planner: resolved.config,
    plannerSettingsFrom: {
      model: keysFrom(resolved.sources, 'model'),
      flags: keysFrom(resolved.sources, 'flag').filter((k) => k !== 'seed'),
    },
    ...latency,
    warmupMs: policy.warmupMs === null ? null : roundTo(policy.warmupMs, 3),
    engineVersion,
    ...plotJson(opts),
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return exitAfterWrites('eval', plotError);
  }
  const t = latency.planMs;
  const ms = (v: number | null) => fixed(v, 1, '-');
  const ms3 = (v: number | null) => fixed(v, 3, '-');
  const lines = summaryText(opts, result, `planner ${dir}`);
  lines.splice(
    -1,
    0,
    `plan latency      median ${ms(t.median)} ms, p99 ${ms(t.p99)} ms over ${t.count} plans (cold median ${ms(t.coldMedian)}, warm median ${ms(t.warmMedian)}); ${latency.cellCallsPerPlan ?? '-'} cell calls per plan (median)`,
    `act / observe     median ${ms3(latency.overheadMs.act.median)} / ${ms3(latency.overheadMs.observe.median)} ms, p99 ${ms3(latency.overheadMs.act.p99)} / ${ms3(latency.overheadMs.observe.p99)} ms`,
    `planner           ${formatConfig(resolved.config)}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return exitAfterWrites('eval', plotError);
}

function runOptions(opts: Options) {
  return {
    episodes: opts.episodes,
    seed: opts.seed,
    episodeOffset: opts['episodes-offset'],
    randomGoal: opts['random-goal'] === true,
    recordTrajectories: opts.plot !== undefined,
    recordEpisodes: opts['plot-episodes'],
    ...(opts['max-steps'] !== undefined ? { maxSteps: opts['max-steps'] } : {}),
  };
}

/** Writes --plot; returns null or the one-line error to print after the summary. */
function writePlot(opts: Options, task: MazeTask, result: EvaluationResult, policy: string): string | null {
  const file = opts.plot;
  if (file === undefined) return null;
  const drawn = result.records
    .filter((r) => r.trajectory !== undefined)
    .map((r) => ({
      trajectory: r.trajectory ?? [],
      start: r.start,
      goal: r.goal,
      success: r.success,
      label: `ep ${r.index} score ${r.normalizedScore.toFixed(1)}`,
      plans: (r.policyTrace?.plans ?? []).flatMap((t) => (t.plan ? [t.plan] : [])),
    }));
  const n = result.normalizedScore;
  const title = `${task.id}, ${policy}, seed ${opts.seed}: score ${n.mean.toFixed(1)} +- ${n.stderr.toFixed(1)} over ${result.episodes} episodes, ${(100 * result.successRate).toFixed(0)}% reached`;
  const error = writeAfterWork('the plot', file, () =>
    writePng(file, mazePicturePng(task.maze, drawn, { title })),
  );
  if (error === null) stderrLogger.info(`wrote ${file} (${drawn.length} episodes)`);
  return error;
}

function plotJson(opts: Options) {
  return opts.plot !== undefined ? { plot: opts.plot } : {};
}

function summaryJson(opts: Options, task: MazeTask, result: EvaluationResult, policy: string) {
  return {
    task: task.id,
    policy,
    episodes: result.episodes,
    seed: opts.seed,
    episodeOffset: result.episodeOffset,
    randomGoal: result.randomGoal,
    normalizedScore: result.normalizedScore,
    successRate: result.successRate,
    firstReachMean: result.firstReachMean,
    firstReachStderr: result.firstReachStderr,
    returnMean: result.returnMean,
    returnStderr: result.returnStderr,
    episodeLength: result.episodeLength,
    ...(opts['max-steps'] !== undefined ? { maxSteps: opts['max-steps'] } : {}),
    refMinScore: task.refMinScore,
    refMaxScore: task.refMaxScore,
    perEpisode: result.records.map((r) => ({
      index: r.index,
      resetSeed: r.resetSeed,
      start: r.start,
      return: r.episodeReturn,
      normalizedScore: roundTo(r.normalizedScore, 4),
      success: r.success,
      firstReachStep: r.firstReachStep,
      ...(r.policyTrace ? { plans: r.policyTrace.plans.length } : {}),
    })),
  };
}

function summaryText(opts: Options, result: EvaluationResult, policy: string): string[] {
  const n = result.normalizedScore;
  const reach =
    result.firstReachMean === null
      ? 'never'
      : `${meanStderr(result.firstReachMean, result.firstReachStderr)} steps`;
  const offset = result.episodeOffset > 0 ? ` from episode ${result.episodeOffset}` : '';
  return [
    `${result.task}, policy ${policy}, ${result.episodes} episodes${offset}, seed ${opts.seed}${result.randomGoal ? ', random goal' : ''}`,
    `normalised score  ${meanStderr(n.mean, n.stderr)}${Number.isFinite(n.stderr) ? ' (stderr)' : ''}`,
    `success rate      ${(100 * result.successRate).toFixed(1)} %  (reached the 0.5 disc at least once)`,
    `first reach       ${reach}`,
    `return            ${meanStderr(result.returnMean, result.returnStderr)} of ${result.episodeLength} steps${opts['max-steps'] !== undefined ? ' (cut by --max-steps: not a D4RL score)' : ''}`,
    '',
  ];
}
