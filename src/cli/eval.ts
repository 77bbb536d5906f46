/**
 * `df-planner eval`: runs a policy on a Maze2D task for N episodes and prints the D4RL normalised score
 * (mean ± stderr), success rate, first-reach step and raw return. Policies: `expert` (waypoint controller,
 * fresh per episode: the correct expert), `expert-reused` (one controller for all episodes: D4RL's flawed
 * ref_max procedure, for comparison) and `random` (uniform actions: D4RL's ref_min procedure).
 * `--plot FILE` writes one PNG with the first `--plot-episodes` episodes as a grid of panels.
 */
import cliProgress from 'cli-progress';
import {
  createMazeEnv,
  evaluatePolicy,
  expertPolicy,
  MAZE_TASKS,
  mazeTask,
  type Policy,
  randomPolicy,
} from '../../sim/maze2d/index.js';
import { mazePicturePng } from '../../sim/render/index.js';
import { stderrLogger } from '../logging.js';
import { createRng } from '../math/rng.js';
import { writePng } from '../render/index.js';
import { defineCommand } from './command.js';

const POLICIES = ['expert', 'expert-reused', 'random'] as const;

const options = {
  task: { kind: 'string', description: 'Maze2D task', choices: Object.keys(MAZE_TASKS), required: true },
  policy: {
    kind: 'string',
    description: 'expert (fresh controller per episode), expert-reused (D4RL ref_max procedure), random',
    choices: POLICIES,
    default: 'expert',
  },
  episodes: { kind: 'integer', description: 'episodes to run', min: 1, max: 100_000, default: 100 },
  seed: {
    kind: 'integer',
    description: 'seed for episode starts and the policy',
    min: 0,
    max: 2 ** 31,
    default: 0,
  },
  'random-goal': {
    kind: 'boolean',
    description: 'draw a random goal per episode (Multi2D) instead of the fixed one',
  },
  plot: { kind: 'string', description: 'write a PNG of the first episodes to this file' },
  'plot-episodes': {
    kind: 'integer',
    description: 'episodes drawn by --plot',
    min: 1,
    max: 100,
    default: 16,
  },
  json: { kind: 'boolean', description: 'print one JSON line on stdout' },
} as const;

const usage =
  'df-planner eval --task maze2d-umaze [--policy expert|expert-reused|random] [--episodes N] [--seed s] [--json] [--plot FILE] [--random-goal]';

export default defineCommand({
  summary: 'evaluate a policy on Maze2D: D4RL normalised score, success rate, first reach',
  usage,
  options,
  async run(opts) {
    const task = mazeTask(opts.task);
    const randomGoal = opts['random-goal'] === true;
    // The policy draws from its own stream: seed + 2³² differs from the episode-start stream createRng(seed).
    const policyRng = createRng(opts.seed + 2 ** 32);
    const policy: Policy =
      opts.policy === 'random'
        ? randomPolicy(policyRng)
        : expertPolicy(task.maze, { rng: policyRng, reuseController: opts.policy === 'expert-reused' });

    let engineVersion = '';
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${task.id} ${opts.policy} [{bar}] {value}/{total} episodes` },
      cliProgress.Presets.shades_classic,
    );
    const started = performance.now();
    bar.start(opts.episodes, 0);
    let result: Awaited<ReturnType<typeof evaluatePolicy>>;
    try {
      result = await evaluatePolicy(
        async () => {
          const env = await createMazeEnv(task.id);
          engineVersion = env.engineVersion;
          return env;
        },
        policy,
        {
          episodes: opts.episodes,
          seed: opts.seed,
          randomGoal,
          recordTrajectories: opts.plot !== undefined,
          onEpisode: (k) => bar.update(k + 1),
        },
      );
    } finally {
      bar.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    stderrLogger.info(`${task.id} ${opts.policy}: ${opts.episodes} episodes in ${seconds.toFixed(1)} s`);

    if (opts.plot !== undefined) {
      const drawn = result.records.slice(0, opts['plot-episodes']).map((r) => ({
        trajectory: r.trajectory ?? [],
        start: r.start,
        goal: r.goal,
        success: r.success,
      }));
      writePng(opts.plot, mazePicturePng(task.maze, drawn));
      stderrLogger.info(`wrote ${opts.plot} (${drawn.length} episodes)`);
    }

    const out = {
      task: task.id,
      policy: opts.policy,
      episodes: result.episodes,
      seed: opts.seed,
      randomGoal,
      normalizedScore: result.normalizedScore,
      successRate: result.successRate,
      firstReachMean: result.firstReachMean,
      firstReachStderr: result.firstReachStderr,
      returnMean: result.returnMean,
      returnStderr: result.returnStderr,
      episodeLength: result.episodeLength,
      refMinScore: task.refMinScore,
      refMaxScore: task.refMaxScore,
      engineVersion,
      ...(opts.plot !== undefined ? { plot: opts.plot } : {}),
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      const n = result.normalizedScore;
      const reach =
        result.firstReachMean === null
          ? 'never'
          : `${result.firstReachMean.toFixed(1)} ± ${(result.firstReachStderr ?? Number.NaN).toFixed(1)} steps`;
      process.stdout.write(
        [
          `${task.id}, policy ${opts.policy}, ${result.episodes} episodes, seed ${opts.seed}${randomGoal ? ', random goal' : ''}`,
          `normalised score  ${n.mean.toFixed(1)} ± ${n.stderr.toFixed(1)} (stderr)`,
          `success rate      ${(100 * result.successRate).toFixed(1)} %  (reached the 0.5 disc at least once)`,
          `first reach       ${reach}`,
          `return            ${result.returnMean.toFixed(1)} ± ${result.returnStderr.toFixed(1)} of ${result.episodeLength} steps`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
});
