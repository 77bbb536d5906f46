/**
 * `df-planner train`: trains a Diffusion Forcing model on a task and writes a model directory (model.json,
 * weights.bin, loss.png, resumable train state). Architecture flags become the saved ModelConfig; nothing
 * else ever re-describes the layers. `--resume` continues a killed run from its last checkpoint, and
 * `--lr-decay-steps` anneals the lr at the end of a run (also added on resume to a long constant-lr run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { taskFor, taskIds } from '../../sim/task-registry.js';
import type { DiffusionForcingLossOptions } from '../diffusion/loss.js';
import { ConfigError } from '../errors.js';
import { stderrLogger } from '../logging.js';
import { type LossWeightKind, lossWeightKinds, objectives } from '../math/loss-weight.js';
import { betaScheduleKinds } from '../math/noise-schedule.js';
import { readModelFile } from '../model/checkpoint.js';
import { createModel } from '../model/index.js';
import type { ModelConfig } from '../model/types.js';
import { activations } from '../model/validate-model-config.js';
import type { AdamWOptions, LrDecay } from '../train/adamw.js';
import { createProgressBar } from '../train/progress-bar.js';
import { LOSS_PLOT_FILE, type TrainEngineKind, trainEngineKinds, trainModel } from '../train/train-loop.js';
import { hasTrainState, readRunSettings, runLrDecay } from '../train/train-state.js';
import { defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { checkOutputDir } from './output-path.js';
import { backendOption, startBackend } from './with-model.js';

const options = {
  task: {
    kind: 'string',
    description: 'task to train on',
    choices: taskIds('train'),
    default: 'oscillator',
  },
  data: {
    kind: 'string',
    description:
      'recorded dataset file, for tasks that are not generated in code (maze default: data/<task>.bin, generated with the default recipe when missing)',
  },
  generate: {
    kind: 'boolean',
    description:
      'generate a missing --data file with the default recipe too (without it only the default path is generated)',
  },
  out: { kind: 'string', description: 'model directory to write (created if missing)', required: true },
  steps: {
    kind: 'integer',
    description: 'total optimizer steps (a resumed run continues up to this)',
    default: 2000,
    min: 1,
  },
  batch: { kind: 'integer', description: 'windows per step (B)', default: 32, min: 1, max: 65536 },
  tokens: {
    kind: 'integer',
    description: 'tokens per training window (T)',
    default: 16,
    min: 1,
    max: 100000,
  },
  seed: {
    kind: 'integer',
    description: 'random seed (weights, data, noise)',
    default: 0,
    min: 0,
    max: 2 ** 32 - 1,
  },
  resume: { kind: 'boolean', description: 'continue the run in --out from its last checkpoint' },
  force: {
    kind: 'boolean',
    description: 'overwrite a finished or unrelated run in --out (starts from scratch)',
  },
  lr: { kind: 'number', description: 'AdamW learning rate', default: 2e-4, min: 0 },
  warmup: {
    kind: 'integer',
    description: 'linear warm-up steps: lr·min(1, (step+1)/warmup)',
    default: 100,
    min: 0,
  },
  'lr-decay-steps': {
    kind: 'integer',
    description:
      'anneal: decay the lr linearly over the last N of --steps, to --lr-final·lr at the end (0 = constant lr after warm-up)',
    default: 0,
    min: 0,
  },
  'lr-final': {
    kind: 'number',
    description: 'lr factor reached at the end of the --lr-decay-steps tail',
    default: 0.1,
    min: 0,
    max: 1,
  },
  'weight-decay': { kind: 'number', description: 'AdamW decoupled weight decay', default: 1e-4, min: 0 },
  'grad-clip': { kind: 'number', description: 'global gradient-norm clip (0 = none)', default: 0, min: 0 },
  'checkpoint-every': {
    kind: 'integer',
    description: 'write a checkpoint every N steps (0 = only at the end)',
    default: 500,
    min: 0,
  },
  'loss-weight': {
    kind: 'string',
    description: 'per-token loss weighting',
    choices: lossWeightKinds,
    default: 'constant',
  },
  'loss-scale': {
    kind: 'number',
    description: 'extra loss multiplier (the paper maze code uses 10)',
    default: 1,
    min: 0,
  },
  'frame-stack': {
    kind: 'integer',
    description: 'F, env steps per token (task default if omitted)',
    min: 1,
    max: 1000,
  },
  latent: { kind: 'integer', description: 'z size (latentSize)', default: 64, min: 1 },
  hidden: { kind: 'integer', description: 'ResBlock hidden width (hiddenWidth)', default: 128, min: 1 },
  'mlp-layers': {
    kind: 'integer',
    description: 'num_mlp_layers L ≥ 2 of the pre/post MLPs',
    default: 2,
    min: 2,
    max: 64,
  },
  'level-embedding': {
    kind: 'integer',
    description: 'noise-level embedding size E (even)',
    default: 16,
    min: 4,
  },
  'init-encoder-width': {
    kind: 'integer',
    description: 'width of the obs→z init encoder',
    default: 64,
    min: 1,
  },
  'init-latent': {
    kind: 'string',
    description: 'how z₀ is made: from the first observation, learned, or zeros',
    choices: ['encoder', 'learned', 'zeros'],
    default: 'learned',
  },
  activation: { kind: 'string', description: 'ResBlock nonlinearity', choices: activations, default: 'elu' },
  'noise-schedule': {
    kind: 'string',
    description: 'β schedule',
    choices: betaScheduleKinds,
    default: 'linear',
  },
  'noise-levels': { kind: 'integer', description: 'K, diffusion levels', default: 1000, min: 2, max: 100000 },
  objective: { kind: 'string', description: 'what the head predicts', choices: objectives, default: 'x0' },
  backend: backendOption,
  engine: {
    kind: 'string',
    description:
      'what computes loss and gradients: plain (Float32Array + WebAssembly SIMD, checked against tfjs) or tfjs (the reference)',
    choices: trainEngineKinds,
    default: 'plain',
  },
  workers: {
    kind: 'integer',
    description:
      'plain engine: worker threads sharing each batch (0 = the main thread; 2 uses both cores of a quiet 2-core machine)',
    default: 0,
    min: 0,
    max: 64,
  },
  quiet: { kind: 'boolean', description: 'no progress bar, only the final summary' },
  json: { kind: 'boolean', description: 'print the final summary as one JSON line' },
} as const;

/** Flags that describe the architecture: refused with --resume when they disagree with the saved config. */
const architectureFlags = [
  'frame-stack',
  'latent',
  'hidden',
  'mlp-layers',
  'level-embedding',
  'init-encoder-width',
  'init-latent',
  'activation',
  'noise-schedule',
  'noise-levels',
  'objective',
] as const;

const usage =
  'df-planner train --task oscillator --out DIR [--steps N] [--batch B] [--tokens T] [--seed s] [--resume] ' +
  '[--lr-decay-steps N [--lr-final F]] [options]';

type TrainingSettings = {
  seed: number;
  batch: number;
  tokens: number;
  optimizer: Partial<AdamWOptions>;
  loss: DiffusionForcingLossOptions;
};

/**
 * On --resume, training flags the user did not type take the saved run's values, so `--resume --steps N`
 * is enough; typed flags stay, and the loop refuses them if they differ from the run.
 */
function resumedSettings(
  current: TrainingSettings,
  run: Record<string, unknown>,
  given: Set<string>,
): TrainingSettings {
  const savedOpt = (run['optimizer'] ?? {}) as Partial<AdamWOptions>;
  const savedLoss = (run['loss'] ?? {}) as DiffusionForcingLossOptions;
  const pick = <T>(flag: string, mine: T, saved: T | undefined): T =>
    given.has(flag) || saved === undefined ? mine : saved;
  return {
    seed: pick('seed', current.seed, run['seed'] as number | undefined),
    batch: pick('batch', current.batch, run['batchSize'] as number | undefined),
    tokens: pick('tokens', current.tokens, run['tokens'] as number | undefined),
    optimizer: {
      ...savedOpt,
      learningRate: pick('lr', current.optimizer.learningRate, savedOpt.learningRate),
      warmupSteps: pick('warmup', current.optimizer.warmupSteps, savedOpt.warmupSteps),
      weightDecay: pick('weight-decay', current.optimizer.weightDecay, savedOpt.weightDecay),
      gradClipNorm: pick('grad-clip', current.optimizer.gradClipNorm, savedOpt.gradClipNorm),
    },
    loss: {
      ...savedLoss,
      weighting: pick('loss-weight', current.loss.weighting, savedLoss.weighting),
      lossScale: pick('loss-scale', current.loss.lossScale, savedLoss.lossScale),
    },
  };
}

/**
 * The lr decay tail from --lr-decay-steps N and --lr-final F: linear over the last N of --steps
 * (startStep = steps − N, endStep = steps). On --resume (`saved` = the run's tail, null when it has none),
 * untyped flags keep the saved tail as it is, in absolute steps, so `--resume --steps M` alone continues the run
 * unchanged; typing --lr-decay-steps places the tail at the end of the new --steps (the training loop refuses a
 * tail that would change updates already made). `saved` undefined = a new run.
 */
function lrDecaySetting(
  steps: number,
  n: number,
  final: number,
  given: Set<string>,
  saved: LrDecay | null | undefined,
): LrDecay | null {
  const fromFlags = saved === undefined || given.has('lr-decay-steps');
  if (fromFlags) {
    if (n > steps) {
      throw new ConfigError(
        `the tail of ${n} steps does not fit in --steps ${steps}; lower --lr-decay-steps or raise --steps`,
        '--lr-decay-steps',
      );
    }
    if (n === 0) return null;
    const finalFactor = given.has('lr-final') ? final : (saved?.finalFactor ?? final);
    return { startStep: steps - n, endStep: steps, finalFactor };
  }
  if (saved !== null && given.has('lr-final')) return { ...saved, finalFactor: final };
  return saved;
}

function describeDecay(d: LrDecay): string {
  return `lr decay over steps ${d.startStep}–${d.endStep} to ×${d.finalFactor}`;
}

export default defineCommand({
  summary: COMMAND_SUMMARIES.train,
  usage,
  options,
  async run(opts, { argv }) {
    const outDir = path.resolve(opts.out);
    checkOutputDir(opts.out, '--out');
    const task = taskFor(opts.task, 'train', '--task').training;
    const dataFile = opts.data ?? task.defaultDataFile;
    if (task.needsDataFile && dataFile === undefined) {
      throw new ConfigError(`task '${task.name}' reads recorded data: pass --data FILE`, '--data');
    }
    if (dataFile !== undefined && task.prepareDataFile) {
      // Generating takes minutes: do it unasked only at the default path, never at a mistyped --data.
      const atDefault =
        task.defaultDataFile !== undefined && path.resolve(dataFile) === path.resolve(task.defaultDataFile);
      if (!atDefault && !opts.generate && !fs.existsSync(dataFile)) {
        throw new ConfigError(
          `${dataFile} does not exist; check the path, pass --generate to create it with the default recipe, ` +
            `or leave out --data for ${task.defaultDataFile ?? 'the default'}`,
          '--data',
        );
      }
      await task.prepareDataFile(dataFile, (line) => stderrLogger.info(line));
    }
    const dataset = task.createDataset({ frameStack: opts['frame-stack'], dataFile });
    const info = await startBackend(opts.backend);

    let config: ModelConfig = {
      layout: dataset.layout,
      normalization: dataset.normalization,
      latentSize: opts.latent,
      hiddenWidth: opts.hidden,
      mlpLayers: opts['mlp-layers'],
      levelEmbeddingSize: opts['level-embedding'],
      initEncoderWidth: opts['init-encoder-width'],
      initLatent: opts['init-latent'] as ModelConfig['initLatent'],
      noise: {
        schedule: opts['noise-schedule'] as ModelConfig['noise']['schedule'],
        levels: opts['noise-levels'],
      },
      objective: opts.objective as ModelConfig['objective'],
      activation: opts.activation as NonNullable<ModelConfig['activation']>,
    };
    const given = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!));
    let training = {
      seed: opts.seed,
      batch: opts.batch,
      tokens: opts.tokens,
      optimizer: {
        learningRate: opts.lr,
        warmupSteps: opts.warmup,
        weightDecay: opts['weight-decay'],
        gradClipNorm: opts['grad-clip'] > 0 ? opts['grad-clip'] : null,
      } as Partial<AdamWOptions>,
      loss: {
        weighting: opts['loss-weight'] as LossWeightKind,
        lossScale: opts['loss-scale'],
      } as DiffusionForcingLossOptions,
    };
    if (opts.resume) {
      // The saved config wins; an explicit architecture flag that disagrees is an error, not silently ignored.
      const saved = readModelFile(outDir).modelConfig;
      const run = readRunSettings(outDir);
      if (run) training = resumedSettings(training, run, given);
      const savedDecay = run ? runLrDecay(run) : null;
      const decay = lrDecaySetting(opts.steps, opts['lr-decay-steps'], opts['lr-final'], given, savedDecay);
      training.optimizer = { ...training.optimizer, lrDecay: decay };
      if (decay !== null && decay === savedDecay && decay.endStep !== opts.steps) {
        stderrLogger.warn(
          `keeping the saved run's ${describeDecay(decay)} (--steps is ${opts.steps}); pass --lr-decay-steps N ` +
            'to decay over the last N steps of --steps instead',
        );
      }
      const clash = architectureFlags.filter((f) => given.has(f));
      if (clash.length > 0) {
        const fresh = createModel(config, opts.seed);
        const differs = JSON.stringify(fresh.config) !== JSON.stringify(saved);
        fresh.dispose();
        if (differs) {
          throw new ConfigError(
            `continues the saved model, but ${clash.map((f) => `--${f}`).join(', ')} ` +
              `${clash.length === 1 ? 'describes' : 'describe'} another ` +
              'architecture; drop those flags or start a new --out',
            '--resume',
          );
        }
      }
      config = saved;
    } else {
      if (hasTrainState(outDir) && !opts.force) {
        throw new ConfigError(
          `${outDir} already holds a training run; pass --resume to continue it, --force to start over, or choose another --out`,
          '--out',
        );
      }
      training.optimizer = {
        ...training.optimizer,
        lrDecay: lrDecaySetting(opts.steps, opts['lr-decay-steps'], opts['lr-final'], given, undefined),
      };
    }
    const decay = training.optimizer.lrDecay ?? null;
    if (decay === null && given.has('lr-final')) {
      stderrLogger.warn('--lr-final has no effect without an lr decay tail; add --lr-decay-steps N');
    }
    if (opts.force && !opts.resume) {
      for (const f of ['model.json', 'weights.bin', 'train-state.json', 'optimizer.bin', LOSS_PLOT_FILE]) {
        fs.rmSync(path.join(outDir, f), { force: true });
      }
    }

    const model = createModel(config, opts.seed);
    const controller = new AbortController();
    const onSigint = () => {
      stderrLogger.warn(
        'interrupted: finishing the current step and writing a checkpoint (Ctrl-C again to kill)',
      );
      controller.abort();
      process.off('SIGINT', onSigint);
    };
    process.on('SIGINT', onSigint);
    let bar: ReturnType<typeof createProgressBar> | null = null;
    try {
      stderrLogger.info(
        `training ${task.name} (${dataset.id}) for ${opts.steps} steps, batch ${training.batch}, ${training.tokens} tokens, ` +
          `${model.parameterCount} parameters, backend ${info.name}, engine ${opts.engine}` +
          `${opts.workers > 0 ? ` on ${opts.workers} workers` : ''}${decay ? `, ${describeDecay(decay)}` : ''}`,
      );
      const result = await trainModel(model, dataset, {
        steps: opts.steps,
        batchSize: training.batch,
        tokens: training.tokens,
        seed: training.seed,
        optimizer: training.optimizer,
        loss: training.loss,
        checkpointEvery: opts['checkpoint-every'],
        outDir,
        resume: opts.resume,
        command: ['df-planner', 'train', ...argv].join(' '),
        logger: stderrLogger,
        signal: controller.signal,
        engine: opts.engine as TrainEngineKind,
        workers: opts.workers,
        onStep: (s) => {
          if (opts.quiet) return;
          bar ??= createProgressBar(s.totalSteps, s.step - 1);
          bar.update(s);
        },
      });
      (bar as ReturnType<typeof createProgressBar> | null)?.stop();
      const summary = {
        out: outDir,
        steps: result.steps,
        stepsThisRun: result.stepsThisRun,
        finalLoss: result.finalLoss,
        finalLossEma: result.provenance.training?.['finalLossEma'] ?? null,
        wallTimeSeconds: result.wallTimeSeconds,
        parameterCount: model.parameterCount,
        backend: info.name,
        aborted: result.aborted,
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `${result.aborted ? 'stopped' : 'trained'} ${result.steps} steps (${result.stepsThisRun} this run) in ` +
            `${result.wallTimeSeconds.toFixed(1)} s; final loss ${result.finalLoss?.toPrecision(4)} ` +
            `(EMA ${Number(summary.finalLossEma).toPrecision(4)})\nmodel: ${outDir}\nloss curve: ${path.join(outDir, LOSS_PLOT_FILE)}\n`,
        );
      }
      return result.aborted ? 130 : 0;
    } finally {
      (bar as ReturnType<typeof createProgressBar> | null)?.stop();
      process.off('SIGINT', onSigint);
      model.dispose();
    }
  },
});
