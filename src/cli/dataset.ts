/**
 * `df-planner dataset`: generates a Maze2D offline dataset the D4RL way (waypoint expert chasing random
 * goals, σ = 0.5 action noise, one continuous stream) and writes `<out>` (binary, format in
 * sim/maze2d/dataset.ts) plus `<out>.json` (task, seed, steps, noise, format, statistics). A progress bar goes
 * to stderr when it is a terminal; the summary goes to stdout (one JSON line with --json).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { createMazeEnv, generateMazeDataset, writeMazeDataset } from '../../sim/maze2d/index.js';
import { taskFor, taskIds } from '../../sim/task-registry.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { stderrLogger } from '../logging.js';
import { defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { ARM_DATASET_OPTIONS, runArmDataset } from './dataset-arm.js';
import { checkOutputFile } from './output-path.js';

const options = {
  task: {
    kind: 'string',
    description: 'task to record (maze: a D4RL-style stream; arm: scripted demos)',
    choices: taskIds('dataset'),
    required: true,
  },
  steps: {
    kind: 'integer',
    description: 'Maze2D: transitions N (D4RL sizes: umaze 1M, medium 2M, large 4M); required for a maze',
    min: 1,
    max: 20_000_000,
  },
  ...ARM_DATASET_OPTIONS,
  seed: {
    kind: 'integer',
    description: 'random seed (env reset, waypoint jitter, noise, goals)',
    min: 0,
    max: 2 ** 31,
    default: 0,
  },
  out: {
    kind: 'string',
    description: 'output file, e.g. data/maze2d-medium-1m.bin (sidecar: <out>.json); required',
  },
  noise: {
    kind: 'number',
    description:
      'Maze2D: σ of the Gaussian action noise before clipping (default 0.5, as D4RL); arm-swap: DART σ of the executed grasp target in m (default 0.005)',
    min: 0,
    max: 10,
  },
  json: { kind: 'boolean', description: 'print the sidecar as one JSON line on stdout' },
} as const;

const usage =
  'df-planner dataset --task maze2d-medium --steps N [--seed s] --out data/FILE [--noise 0.5] [--json]\n' +
  '       df-planner dataset --task arm-swap [--demos 150] [--val-demos 30] [--seed s] --out data/FILE [--noise 0.005] [--json]';

export default defineCommand({
  summary: COMMAND_SUMMARIES.dataset,
  usage,
  options,
  async run(opts) {
    const { task, steps, seed, out } = opts;
    const { robot } = taskFor(task, 'dataset', '--task');
    // Checked here rather than by the table, because --steps is needed only for a maze; all at once.
    const missing: ConfigIssue[] = [];
    if (steps === undefined && robot === 'maze2d') {
      missing.push({ path: '--steps', message: `is required for ${task} (transitions N, e.g. 1000000)` });
    }
    if (out === undefined) missing.push({ path: '--out', message: 'is required (output file)' });
    if (out === undefined || missing.length > 0) throw new ConfigError(missing);
    checkOutputFile(out, '--out', `${task}.bin`);
    checkOutputFile(`${out}.json`, '--out', `${task}.bin.json`);
    if (robot === 'arm') return runArmDataset({ ...opts, out });
    if (robot !== 'maze2d') {
      throw new ConfigError(`no dataset recorder for task '${task}' (robot ${robot ?? 'none'})`, '--task');
    }
    if (steps === undefined) throw new ConfigError(missing);
    const noise = opts.noise ?? 0.5;
    const env = await createMazeEnv(task);
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${task} [{bar}] {percentage}% | {value}/{total} steps | {speed} steps/s | ETA {eta}s`,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    const started = performance.now();
    bar.start(steps, 0, { speed: '-' });
    let data: ReturnType<typeof generateMazeDataset>;
    try {
      data = generateMazeDataset(env, {
        steps,
        seed,
        noise,
        progressEvery: Math.max(1000, Math.min(50_000, Math.floor(steps / 100))),
        onProgress: (done) => {
          const seconds = (performance.now() - started) / 1000;
          bar.update(done, { speed: seconds > 0 ? Math.round(done / seconds) : '-' });
        },
      });
    } finally {
      bar.stop();
      env.close();
    }
    const seconds = (performance.now() - started) / 1000;
    mkdirSync(dirname(out), { recursive: true });
    const sidecar = writeMazeDataset(out, data, { engineVersion: env.engineVersion });
    stderrLogger.info(
      `${task}: ${steps} steps in ${seconds.toFixed(1)} s (${Math.round(steps / seconds)} steps/s) → ${out}, ${out}.json`,
    );
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ out, ...sidecar })}\n`);
    } else {
      const s = sidecar.statistics;
      const f = (v: readonly number[]): string => `[${v.map((x) => x.toFixed(4)).join(', ')}]`;
      process.stdout.write(
        [
          `wrote ${out} (${steps} steps of ${task}, seed ${seed}, noise ${noise}) and ${out}.json`,
          `observation mean ${f(s.observationMean)}  std ${f(s.observationStd)}`,
          `action      mean ${f(s.actionMean)}  std ${f(s.actionStd)}`,
          `reward      mean ${s.rewardMean.toFixed(4)}  std ${s.rewardStd.toFixed(4)}  (sparse, eval goal, D4RL relabel)`,
          `segments    ${sidecar.segments.segments}, mean length ${sidecar.segments.meanSegmentLength.toFixed(1)} steps, ` +
            `${sidecar.segments.timeLimitEnds} ended by the time limit`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
});
