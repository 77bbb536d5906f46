/**
 * The training loop: Algorithm 1 (docs/diffusion-forcing.md §2.1) through `diffusionForcingLoss`, optimised with AdamW,
 * seeded, checkpointed and resumable.
 *
 * Per step: draw a batch of windows from the dataset (data RNG), compute the Diffusion Forcing loss (the loss
 * draws per-token levels and noise from the noise RNG), take gradients of every model variable, clip (option),
 * apply AdamW, tell the model its weights changed. Two RNG streams keep the data independent of how much
 * randomness the loss consumes.
 *
 * Checkpoints (every `checkpointEvery` steps and at the end) write the model directory (usable by `sample`
 * at once), the loss curve `loss.png`, and the resumable state (optimizer moments, RNG states, loss history).
 * Resuming restores all of it, so a resumed run equals an uninterrupted one bit for bit on the same backend.
 * A resume must use the run's settings, except that an lr decay tail may be added, moved or dropped while no
 * update so far has used a decayed lr (so a long constant-lr run can be annealed at its end).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DiffusionForcingLossOptions } from '../diffusion/loss.js';
import { ConfigError, type ConfigIssue, DfPlannerError, ModelFileError } from '../errors.js';
import { type Logger, stderrLogger } from '../logging.js';
import { noiseSchedule } from '../math/noise-schedule.js';
import { createRng } from '../math/rng.js';
import { loadModel, readModelFile, saveModel, type TrainingProvenance } from '../model/checkpoint.js';
import type { DfModel } from '../model/types.js';
import { lossEma, lossPlot, writePng } from '../render/index.js';
import type { SequenceDataset } from '../tasks/sequence-dataset.js';
import { tokenSize } from '../tasks/token-layout.js';
import { AdamW, type AdamWOptions, defaultAdamWOptions, type LrDecay } from './adamw.js';
import { PlainTrainEngine } from './plain-train-step.js';
import { hasTrainState, loadTrainState, runLrDecay, saveTrainState } from './train-state.js';
import { trainStep } from './train-step.js';
import { recordValidationLoss, validationLoss } from './validation-loss.js';

export const LOSS_PLOT_FILE = 'loss.png';

export interface TrainOptions {
  /** Total optimizer steps of the run (a resumed run continues up to this count). */
  readonly steps: number;
  readonly batchSize: number;
  /** T: tokens per training window. */
  readonly tokens: number;
  readonly seed: number;
  readonly optimizer?: Partial<AdamWOptions>;
  /** Passed to `diffusionForcingLoss` (weighting, first-frame conditioning, noise clip, …). */
  readonly loss?: DiffusionForcingLossOptions;
  /** Write a checkpoint every N steps (0 = only at the end). Needs `outDir`. */
  readonly checkpointEvery?: number;
  /** Model directory to write; null/undefined = train in memory only. */
  readonly outDir?: string | null;
  /** Continue from the checkpoint in `outDir` (the model passed in is overwritten with its weights). */
  readonly resume?: boolean;
  /** Command line recorded in the provenance. */
  readonly command?: string;
  readonly logger?: Logger;
  /** Called after every step (progress bars, tests); throwing stops the run without a final checkpoint. */
  readonly onStep?: (info: StepInfo) => void;
  /** Stop early when aborted (Ctrl-C): the loop finishes the current step and writes a checkpoint. */
  readonly signal?: AbortSignal;
  /**
   * Which code computes the loss and gradients: 'tfjs' (the reference, default here) or 'plain' (Float32Array +
   * WebAssembly SIMD, plain-gradients.ts; equal to tfjs within float32 rounding). AdamW, checkpoints and model
   * files are the same for both. A run resumed with the engine (and worker count) it ran with equals the
   * uninterrupted run bit for bit; switching continues it within float32 rounding.
   */
  readonly engine?: TrainEngineKind;
  /** Plain engine only: worker threads for data parallel gradients (0 = this thread). */
  readonly workers?: number;
}

export type TrainEngineKind = 'tfjs' | 'plain';
export const trainEngineKinds: readonly TrainEngineKind[] = ['tfjs', 'plain'];

export interface StepInfo {
  /** Steps completed, 1-based. */
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  /** Bias-corrected exponential moving average of the loss (decay 0.98). */
  readonly lossEma: number;
  readonly gradNorm: number;
  readonly learningRate: number;
  /** Steps per second over this process's steps so far. */
  readonly stepsPerSecond: number;
  readonly etaSeconds: number;
}

export interface TrainResult {
  /** Loss of every step of the run, resumed steps included. */
  readonly losses: Float32Array;
  readonly steps: number;
  /** Steps actually run by this call. */
  readonly stepsThisRun: number;
  readonly wallTimeSeconds: number;
  readonly finalLoss: number | null;
  readonly provenance: TrainingProvenance;
  /** True when stopped by the abort signal before `steps`. */
  readonly aborted: boolean;
}

/** Settings that must agree between a run and its resume (otherwise the result is not one run). */
function runSettings(dataset: SequenceDataset, o: TrainOptions, opt: AdamWOptions): Record<string, unknown> {
  return {
    datasetId: dataset.id,
    seed: o.seed,
    batchSize: o.batchSize,
    tokens: o.tokens,
    optimizer: opt,
    loss: o.loss ?? {},
  };
}

function validate(o: TrainOptions): void {
  const issues: ConfigIssue[] = [];
  const whole = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
      issues.push({ path: name, message: `must be a whole number ≥ ${min}, got ${v}` });
    }
  };
  whole('steps', o.steps, 1);
  whole('batchSize', o.batchSize, 1);
  whole('tokens', o.tokens, 1);
  whole('checkpointEvery', o.checkpointEvery, 0);
  whole('workers', o.workers, 0);
  if (o.engine !== undefined && !trainEngineKinds.includes(o.engine)) {
    issues.push({
      path: 'engine',
      message: `must be ${trainEngineKinds.join(' or ')}, got '${String(o.engine)}'`,
    });
  }
  if ((o.workers ?? 0) > 0 && o.engine !== 'plain') {
    issues.push({ path: 'workers', message: "worker threads need the plain engine (engine 'plain')" });
  }
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed >= 2 ** 32) {
    issues.push({ path: 'seed', message: `must be a whole number in [0, 2^32), got ${o.seed}` });
  }
  if ((o.checkpointEvery ?? 0) > 0 && !o.outDir) {
    issues.push({ path: 'checkpointEvery', message: 'needs an output directory to write checkpoints to' });
  }
  if (o.resume && !o.outDir)
    issues.push({ path: 'resume', message: 'needs the output directory of the run to resume' });
  if (issues.length > 0) throw new ConfigError(issues);
}

/** The same settings, compared as JSON (key order fixed by construction). */
function sameSettings(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Defaults filled in; `lrDecay: undefined` counts as none. */
function fullOptimizerOptions(o: TrainOptions): AdamWOptions {
  return { ...defaultAdamWOptions, ...o.optimizer, lrDecay: o.optimizer?.lrDecay ?? null };
}

/** The run without optimizer.lrDecay (other keys in their order), for comparing everything else. */
function withoutDecay(run: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const opt = run['optimizer'];
  if (typeof opt !== 'object' || opt === null) return { ...run };
  const { lrDecay: _, ...rest } = opt as Record<string, unknown>;
  return { ...run, optimizer: rest };
}

function describeDecay(d: LrDecay): string {
  return `steps ${d.startStep}–${d.endStep} (to ×${d.finalFactor})`;
}

/**
 * Why a run saved at `step` completed updates cannot continue with `now`, or null when it can. Everything
 * must agree, except the lr decay tail: it may differ while neither the saved nor the new one starts before
 * `step`, because then every update so far used the undecayed lr under both, and the resumed run equals one
 * uninterrupted run with the new settings.
 */
function resumeMismatch(
  saved: Readonly<Record<string, unknown>>,
  now: Record<string, unknown>,
  step: number,
  steps: number,
): string | null {
  if (!sameSettings(withoutDecay(saved), withoutDecay(now))) {
    return (
      `was written by a run with other settings (${JSON.stringify(saved)}), not (${JSON.stringify(now)}); ` +
      'resume with the same --seed/--batch/--tokens/optimizer/loss flags, or start a new --out'
    );
  }
  const before = runLrDecay(saved);
  const after = runLrDecay(now);
  const same =
    before === after ||
    (before !== null &&
      after !== null &&
      before.startStep === after.startStep &&
      before.endStep === after.endStep &&
      before.finalFactor === after.finalFactor);
  if (same) return null;
  if (before !== null && before.startStep < step) {
    return (
      `holds a run whose lr decay tail over ${describeDecay(before)} had begun before its checkpoint at step ${step}, ` +
      `so it cannot change (asked for ${after === null ? 'no decay' : describeDecay(after)}); resume with the saved ` +
      'decay (leave out --lr-decay-steps and --lr-final), or start a new --out'
    );
  }
  if (after !== null && after.startStep < step) {
    return (
      `holds a checkpoint at step ${step}, but the new lr decay tail starts earlier, at step ${after.startStep} ` +
      `(${describeDecay(after)}): the updates since then were made at the full lr, so the result would not be one run; ` +
      `let the tail start at step ${step} or later (--lr-decay-steps ≤ ${Math.max(0, steps - step)} with --steps ${steps}), ` +
      'or start a new --out'
    );
  }
  return null;
}

/**
 * Trains `model` on `dataset`. The model's layout and normalisation must be the dataset's. Resolves when
 * `steps` are done (or the signal aborts); checkpoints per the options.
 */
export async function trainModel(
  model: DfModel,
  dataset: SequenceDataset,
  options: TrainOptions,
): Promise<TrainResult> {
  validate(options);
  const logger = options.logger ?? stderrLogger;
  const cfg = model.config;
  if (
    tokenSize(cfg.layout) !== tokenSize(dataset.layout) ||
    JSON.stringify(cfg.layout) !== JSON.stringify(dataset.layout)
  ) {
    throw new ConfigError(
      `the model's token layout (${tokenSize(cfg.layout)}-dim tokens) is not the dataset's (${tokenSize(dataset.layout)}-dim, ` +
        `${dataset.id}); build the model from the dataset's layout`,
      'layout',
    );
  }
  if (JSON.stringify(cfg.normalization) !== JSON.stringify(dataset.normalization)) {
    throw new ConfigError(
      `the model's normalisation differs from the dataset's (${dataset.id}); build the model with the dataset's normalisation`,
      'normalization',
    );
  }
  const optimizerOptions = fullOptimizerOptions(options);
  const settings = runSettings(dataset, options, optimizerOptions);
  const schedule = noiseSchedule(cfg.noise.schedule, cfg.noise.levels);
  const dataRng = createRng(options.seed);
  // A second stream for levels and noise, seeded from the high half so it never equals the data stream.
  const noiseRng = createRng(options.seed + 2 ** 32);
  const optimizer = new AdamW(model.variables, optimizerOptions);
  const engineKind = options.engine ?? 'tfjs';
  const plainEngine =
    engineKind === 'plain' ? new PlainTrainEngine(model, { workers: options.workers ?? 0 }) : null;
  const outDir = options.outDir ?? null;
  const losses: number[] = [];
  let priorWallTime = 0;
  // The first command of a resumed run stays `command`; later ones are listed in `training.resumedWith`.
  let history: History = {
    first: options.command ?? '(trained in code)',
    resumes: [],
  };

  try {
    if (options.resume && outDir) {
      const previous = readModelFile(outDir).provenance; // clear error first if the directory is not a model
      const earlier = previous.training?.['resumedWith'];
      history = {
        first: previous.command,
        resumes: [
          ...(Array.isArray(earlier) ? earlier.map(String) : []),
          options.command ?? '(resumed in code)',
        ],
        // Tuned planner settings describe the model, not a training segment: keep them.
        ...(previous.planner ? { planner: previous.planner } : {}),
        ...(previous.plannerEvaluation ? { plannerEvaluation: previous.plannerEvaluation } : {}),
      };
      const state = loadTrainState(outDir, model.weightNames);
      const mismatch = resumeMismatch(state.run, settings, state.step, options.steps);
      if (mismatch !== null) throw new ModelFileError(path.join(outDir, 'train-state.json'), mismatch);
      await loadWeightsInto(model, outDir);
      optimizer.setState(state.optimizer);
      dataRng.setState(state.dataRngState);
      noiseRng.setState(state.noiseRngState);
      losses.push(...state.losses);
      priorWallTime = state.wallTimeSeconds;
      logger.info(`resuming ${outDir} at step ${state.step} of ${options.steps}`);
    } else if (outDir && hasTrainState(outDir)) {
      throw new ModelFileError(
        outDir,
        'already holds a training run; pass --resume to continue it, or choose another output directory',
      );
    }

    const startStep = losses.length;
    const t0 = performance.now();
    const { batchSize: b, tokens: t } = options;
    const emaDecay = 0.98;
    let ema = 0;
    let emaWeight = 0;
    for (const l of losses) {
      ema = emaDecay * ema + (1 - emaDecay) * l;
      emaWeight = emaDecay * emaWeight + (1 - emaDecay);
    }
    const every = options.checkpointEvery ?? 0;
    let aborted = false;
    let lastCheckpoint = startStep;

    const checkpoint = async () => {
      if (!outDir) return;
      const provenance = makeProvenance(
        options,
        dataset,
        losses,
        priorWallTime + (performance.now() - t0) / 1000,
        history,
      );
      await saveModel(outDir, model, provenance);
      const validation = validationLoss(model, schedule, dataset, { tokens: t, batchSize: b }, options.loss);
      if (validation !== null) {
        recordValidationLoss(outDir, { step: losses.length, loss: validation });
        logger.info(`step ${losses.length}: validation loss ${validation.toPrecision(4)}`);
      }
      await saveTrainState(
        outDir,
        {
          step: losses.length,
          dataRngState: dataRng.getState(),
          noiseRngState: noiseRng.getState(),
          losses,
          wallTimeSeconds: provenance.wallTimeSeconds,
          run: settings,
          optimizer: await optimizer.getState(),
        },
        model.weightNames,
      );
      writePng(
        path.join(outDir, LOSS_PLOT_FILE),
        lossPlot(losses, { title: `training loss - ${dataset.id}` }),
      );
      lastCheckpoint = losses.length;
    };

    for (let step = startStep; step < options.steps; step++) {
      // Let the event loop run (signals, timers): on wasm every await below resolves as a microtask, so
      // without this a SIGINT handler would never get to abort the run.
      if (options.signal) await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      const batch = dataset.sampleBatch(b, t, dataRng);
      const lr = optimizer.learningRateAt(optimizer.step);
      const shape = { tokens: t, batchSize: b };
      const { loss, gradNorm } = plainEngine
        ? await plainEngine.step(schedule, optimizer, batch, shape, noiseRng, options.loss)
        : await trainStep(model, schedule, optimizer, batch, shape, noiseRng, options.loss);
      if (!Number.isFinite(loss)) {
        throw new DfPlannerError(
          'training',
          `training diverged at step ${step + 1}: the loss is ${loss}; lower --lr, raise --warmup or set --grad-clip`,
        );
      }
      losses.push(loss);
      ema = emaDecay * ema + (1 - emaDecay) * loss;
      emaWeight = emaDecay * emaWeight + (1 - emaDecay);
      const done = step + 1;
      const elapsed = (performance.now() - t0) / 1000;
      const rate = (done - startStep) / Math.max(elapsed, 1e-9);
      options.onStep?.({
        step: done,
        totalSteps: options.steps,
        loss,
        lossEma: ema / emaWeight,
        gradNorm,
        learningRate: lr,
        stepsPerSecond: rate,
        etaSeconds: (options.steps - done) / rate,
      });
      if (every > 0 && done % every === 0 && done < options.steps) await checkpoint();
    }
    if (losses.length !== lastCheckpoint || (outDir && !hasTrainState(outDir))) await checkpoint();
    const wallTimeSeconds = priorWallTime + (performance.now() - t0) / 1000;
    return {
      losses: Float32Array.from(losses),
      steps: losses.length,
      stepsThisRun: losses.length - startStep,
      wallTimeSeconds,
      finalLoss: losses.length > 0 ? losses[losses.length - 1]! : null,
      provenance: makeProvenance(options, dataset, losses, wallTimeSeconds, history),
      aborted,
    };
  } finally {
    plainEngine?.dispose();
    optimizer.dispose();
  }
}

interface History {
  first: string;
  resumes: string[];
  planner?: TrainingProvenance['planner'];
  plannerEvaluation?: TrainingProvenance['plannerEvaluation'];
}

function makeProvenance(
  o: TrainOptions,
  dataset: SequenceDataset,
  losses: readonly number[],
  wallTimeSeconds: number,
  history: History,
): TrainingProvenance {
  const ema = lossEma(losses, 0.98);
  return {
    command: history.first,
    steps: losses.length,
    wallTimeSeconds: Math.round(wallTimeSeconds * 1000) / 1000,
    datasetId: dataset.id,
    seed: o.seed,
    finalLoss: losses.length > 0 ? losses[losses.length - 1]! : null,
    tfjsVersion: tf.version.tfjs,
    backend: tf.getBackend(),
    savedAt: new Date().toISOString(),
    training: {
      batchSize: o.batchSize,
      tokens: o.tokens,
      optimizer: fullOptimizerOptions(o),
      loss: o.loss ?? {},
      engine: o.engine ?? 'tfjs',
      ...(o.engine === 'plain' ? { workers: o.workers ?? 0 } : {}),
      finalLossEma: ema.length > 0 ? ema[ema.length - 1]! : null,
      ...(history.resumes.length > 0 ? { resumedWith: history.resumes } : {}),
    },
    ...(history.planner ? { planner: history.planner } : {}),
    ...(history.plannerEvaluation ? { plannerEvaluation: history.plannerEvaluation } : {}),
  };
}

/** Assigns the weights stored in `dir` to `model` (same config), via the model-file reader's checks. */
async function loadWeightsInto(model: DfModel, dir: string): Promise<void> {
  const { model: stored } = await loadModel(dir);
  try {
    if (JSON.stringify(stored.config) !== JSON.stringify(model.config)) {
      throw new ModelFileError(
        path.join(dir, 'model.json'),
        'holds a model with another configuration than the one requested; resume without architecture flags, ' +
          'or start a new --out',
      );
    }
    tf.tidy(() => {
      for (const [i, v] of model.variables.entries()) v.assign(stored.variables[i]!);
    });
    model.weightsChanged();
  } finally {
    stored.dispose();
  }
}
