/**
 * The plain training engine: one optimizer step like train-step.ts (same batch, same draws from the noise rng,
 * same AdamW), but the loss and every weight gradient are computed by plain-gradients.ts instead of tfjs —
 * on this thread, or data parallel over worker threads (each takes a share of the batch's windows; their
 * gradients are summed in a fixed order, so a run stays deterministic). The update is AdamW's plain form
 * (`applyPlain`, bit for bit the tfjs update) on this engine's Float32Array copy of the weights, which it then
 * writes into the model's variables, so checkpoints, resume and the model files are exactly those of the tfjs
 * engine and no step reads the weights back from tfjs (only a change made elsewhere, such as a load, is re-read).
 */
import {
  type DiffusionForcingLossOptions,
  drawLossNoise,
  type LossNoise,
  resolveLossOptions,
} from '../diffusion/loss.js';
import { ConfigError } from '../errors.js';
import type { NoiseSchedule } from '../math/noise-schedule.js';
import { createRng, type Rng } from '../math/rng.js';
import type { DfModel } from '../model/types.js';
import type { SequenceBatch } from '../tasks/sequence-dataset.js';
import { observationSize, tokenSize } from '../tasks/token-layout.js';
import type { AdamW } from './adamw.js';
import { GradientWorkers } from './gradient-workers.js';
import { type PlainGradientOptions, PlainGradients } from './plain-gradients.js';
import { lossDenominator, type PlainLossBatch, shardGradients } from './plain-loss.js';
import type { TrainStepResult } from './train-step.js';

export interface PlainEngineOptions extends PlainGradientOptions {
  /** Worker threads computing gradients (0 = this thread). Default 0. */
  readonly workers?: number;
  /** With workers: draw the next step's noise while they run (default true; false for tests that compare). */
  readonly prefetchNoise?: boolean;
}

export class PlainTrainEngine {
  readonly model: DfModel;
  readonly workers: number;
  readonly #prefetchNoise: boolean;
  readonly #trainer: PlainGradients | null;
  readonly #pool: GradientWorkers | null;
  #dataIds: readonly unknown[] = [];
  /** The weights in the model's order (this engine's copy, current after every step). */
  #values: Float32Array[] = [];
  /** The next step's draws, made while the workers ran this one (see `step`). */
  #prefetch: NoisePrefetch | null = null;

  constructor(model: DfModel, options: PlainEngineOptions = {}) {
    const workers = options.workers ?? 0;
    if (!(Number.isInteger(workers) && workers >= 0 && workers <= 64)) {
      throw new ConfigError(`workers must be a whole number 0 … 64, got ${workers}`, 'workers');
    }
    this.model = model;
    this.workers = workers;
    this.#prefetchNoise = options.prefetchNoise ?? true;
    const sizes = model.variables.map((v) => v.size);
    const kernels = options.kernels !== undefined ? { kernels: options.kernels } : {};
    this.#trainer =
      workers === 0 ? new PlainGradients(model.config, model.weightNames, sizes, kernels) : null;
    this.#pool =
      workers > 0 ? new GradientWorkers(workers, model.config, model.weightNames, sizes, kernels) : null;
  }

  /** Runs one step on `batch`; `noiseRng` supplies levels and noise exactly as the tfjs engine draws them. */
  async step(
    schedule: NoiseSchedule,
    optimizer: AdamW,
    batch: SequenceBatch,
    shape: { readonly tokens: number; readonly batchSize: number },
    noiseRng: Rng,
    lossOptions: DiffusionForcingLossOptions = {},
  ): Promise<TrainStepResult> {
    const model = this.model;
    const cfg = model.config;
    const opts = resolveLossOptions(model, lossOptions);
    if (schedule.levels !== cfg.noise.levels || schedule.kind !== cfg.noise.schedule) {
      throw new ConfigError(
        `the noise schedule is ${schedule.kind} with ${schedule.levels} levels but the model was built for ` +
          `${cfg.noise.schedule} with ${cfg.noise.levels}`,
        'schedule',
      );
    }
    if (optimizer.variables.some((v, i) => v !== model.variables[i])) {
      throw new ConfigError(
        "the plain engine's optimizer must update the model's variables in the model's order",
        'optimizer',
      );
    }
    const { tokens: t, batchSize: b } = shape;
    const d = tokenSize(cfg.layout);
    const key = drawKey(schedule, opts, t, b, d);
    const noise = this.#takePrefetch(noiseRng, key) ?? drawLossNoise(schedule, opts, noiseRng, t, b, d);
    const whole: PlainLossBatch = {
      tokens: t,
      batch: b,
      x0: batch.x0,
      mask: batch.mask,
      firstObservation: cfg.initLatent === 'encoder' ? batch.firstObservation : null,
      noise,
    };
    const denominator = lossDenominator(batch.mask, d);
    let loss: number;
    let grads: readonly Float32Array[];
    const changed = this.#stale();
    const names = model.weightNames;
    if (this.#trainer !== null) {
      const trainer = this.#trainer;
      if (changed) trainer.setWeights((name) => this.#values[names.indexOf(name)]!);
      loss = shardGradients(trainer, whole, opts.objective, opts.clipNoise, denominator);
      grads = names.map((name) => trainer.gradient(name));
    } else {
      const pending = this.#pool!.gradients(
        whole,
        observationSize(cfg.layout),
        opts.objective,
        opts.clipNoise,
        denominator,
        changed ? this.#values : null,
      );
      // While the workers run, this thread would only wait: it draws the next step's levels and noise on a
      // copy of the noise stream. The next step uses them only if the stream is still where the copy started
      // (and the shapes and options agree), and then moves the stream on as the draw would have; so the draws,
      // and a checkpoint's saved stream, are exactly those without the prefetch.
      if (this.#prefetchNoise) {
        const from = noiseRng.getState();
        const copy = createRng(0);
        copy.setState(from);
        this.#prefetch = {
          key,
          from,
          noise: drawLossNoise(schedule, opts, copy, t, b, d),
          after: copy.getState(),
        };
      }
      ({ loss, grads } = await pending);
    }
    const gradNorm = optimizer.applyPlain(this.#values, grads);
    model.weightsChanged();
    // The variables now hold #values (written by applyPlain): the copies stay current without a read-back.
    this.#dataIds = model.variables.map((v) => v.dataId);
    if (this.#trainer !== null) {
      const trainer = this.#trainer;
      trainer.setWeights((name) => this.#values[names.indexOf(name)]!);
    } else {
      this.#pool!.weightsChanged(this.#values);
    }
    return { loss, gradNorm };
  }

  dispose(): void {
    this.#pool?.dispose();
  }

  /** The prefetched draws when they are the ones `rng` would make now (the stream then moves past them). */
  #takePrefetch(rng: Rng, key: string): LossNoise | null {
    const pre = this.#prefetch;
    this.#prefetch = null;
    if (pre === null || pre.key !== key) return null;
    const state = rng.getState();
    if (state.length !== pre.from.length || state.some((word, i) => word !== pre.from[i])) return null;
    rng.setState(pre.after);
    return pre.noise;
  }

  /**
   * True when the model's weights were replaced since this engine last wrote them (a load, another optimizer):
   * then they are read back into #values.
   */
  #stale(): boolean {
    const vars = this.model.variables;
    const stale = vars.length !== this.#dataIds.length || vars.some((v, i) => v.dataId !== this.#dataIds[i]);
    if (stale) {
      this.#dataIds = vars.map((v) => v.dataId);
      this.#values = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    }
    return stale;
  }
}

interface NoisePrefetch {
  readonly key: string;
  /** The noise stream's state before and after the draw. */
  readonly from: readonly number[];
  readonly after: number[];
  readonly noise: LossNoise;
}

/** What a draw depends on besides the stream. */
function drawKey(
  schedule: NoiseSchedule,
  opts: ReturnType<typeof resolveLossOptions>,
  t: number,
  b: number,
  d: number,
): string {
  return JSON.stringify([schedule.kind, schedule.levels, opts, t, b, d]);
}
