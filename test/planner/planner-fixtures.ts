/**
 * Test fixtures for the planner (no mocks of real parts):
 * - `makeTinyMazeModel`: a small real DfModel with the maze token layout [action 2, reward 1, position 2,
 *   velocity 2] × frame stack 2 (D = 14), z = 8, hidden 12.
 * - `GaussianPriorModel`: a closed-form DfModel, differentiable in tfjs, whose clean estimate is the exact
 *   posterior mean for data drawn from N(0, I): x̂₀ = E[x₀ | x_k] = √ᾱ_k·x_k (x_k = √ᾱ·x₀ + √(1−ᾱ)·ε has unit
 *   variance and covariance √ᾱ with x₀). Its latent never changes. Unguided DDIM from noise then yields
 *   N(0, I)-like plans, so any pull toward a goal comes from guidance alone.
 * - `recordingModel`: the real model behind a Proxy that records every rollout/step call's shapes and levels.
 */
import * as tf from '@tensorflow/tfjs';
import { noiseSchedule } from '../../src/math/index.js';
import {
  type CellOutput,
  createModel,
  type DfModel,
  type GradientMode,
  type ModelConfig,
  type RolloutOutput,
} from '../../src/model/index.js';
import type { TokenLayout } from '../../src/tasks/token-layout.js';

export const tinyMazeLayout: TokenLayout = {
  frameStack: 2,
  fields: [
    { name: 'action', kind: 'action', size: 2 },
    { name: 'reward', kind: 'reward', size: 1 },
    { name: 'position', kind: 'observation', size: 2 },
    { name: 'velocity', kind: 'observation', size: 2 },
  ],
};
/** Step size 7, token size 14. */
export const STEP = 7;
export const TOKEN = 14;

export const tinyMazeConfig: ModelConfig = {
  layout: tinyMazeLayout,
  normalization: { mean: [0, 0, 0, 1, 1, 0, 0], std: [2, 2, 1, 1.5, 1.5, 2, 2] },
  latentSize: 8,
  hiddenWidth: 12,
  mlpLayers: 2,
  levelEmbeddingSize: 8,
  initEncoderWidth: 8,
  initLatent: 'encoder',
  noise: { schedule: 'linear', levels: 1000 },
  objective: 'x0',
};

export function makeTinyMazeModel(overrides: Partial<ModelConfig> = {}, seed = 3): DfModel {
  return createModel({ ...tinyMazeConfig, ...overrides }, seed);
}

export class GaussianPriorModel implements DfModel {
  readonly config: ModelConfig;
  readonly variables: readonly tf.Variable[] = [];
  readonly weightNames: readonly string[] = [];
  readonly parameterCount = 0;
  #mode: GradientMode = 'train';
  readonly #sqrtAlphaBar: tf.Tensor1D;
  /** Fault injection: while true, every clean estimate is NaN (a diverged network). */
  poisoned = false;

  constructor(overrides: Partial<ModelConfig> = {}) {
    this.config = { ...tinyMazeConfig, latentSize: 2, ...overrides };
    const schedule = noiseSchedule(this.config.noise.schedule, this.config.noise.levels);
    this.#sqrtAlphaBar = tf.keep(tf.tensor1d(Float32Array.from(schedule.sqrtAlphaBar)));
  }

  get gradientMode(): GradientMode {
    return this.#mode;
  }
  setGradientMode(mode: GradientMode): void {
    this.#mode = mode;
  }
  weightsChanged(): void {}
  dispose(): void {
    this.#sqrtAlphaBar.dispose();
  }

  initialLatent(_first: tf.Tensor2D | null, batchSize: number): tf.Tensor2D {
    return tf.zeros([batchSize, this.config.latentSize]);
  }

  step(zPrev: tf.Tensor2D, xNoisy: tf.Tensor2D, levels: tf.Tensor1D): CellOutput {
    return tf.tidy(() => {
      const { out, zLast } = this.rollout(
        zPrev,
        tf.expandDims(xNoisy, 0) as tf.Tensor3D,
        tf.expandDims(levels, 0) as tf.Tensor2D,
      );
      return { z: zLast, out: tf.squeeze(out, [0]) as tf.Tensor2D };
    });
  }

  rollout(z0: tf.Tensor2D, xNoisy: tf.Tensor3D, levels: tf.Tensor2D): RolloutOutput {
    return tf.tidy(() => {
      const scale = tf.expandDims(tf.gather(this.#sqrtAlphaBar, levels), 2);
      const out = tf.mul(scale, xNoisy) as tf.Tensor3D;
      return { out: this.poisoned ? (tf.mul(out, Number.NaN) as tf.Tensor3D) : out, zLast: tf.clone(z0) };
    });
  }
}

export interface RecordedCall {
  readonly kind: 'rollout' | 'step' | 'initialLatent';
  /** Tokens and batch of the call. */
  readonly tokens: number;
  readonly batch: number;
  /** Levels (time-major) passed, and the inputs. */
  readonly levels: Int32Array;
  readonly inputs: Float32Array;
  /** The starting latent (rollout, step), empty for initialLatent. */
  readonly z0: Float32Array;
  /** Gradient mode at the time of the call. */
  readonly mode: GradientMode;
}

/** `model` behind a Proxy that records rollout, step and initialLatent calls; everything else is the model's. */
export function recordingModel(model: DfModel): { model: DfModel; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const proxy = new Proxy(model, {
    get(target, key) {
      if (key === 'rollout') {
        return (z0: tf.Tensor2D, x: tf.Tensor3D, levels: tf.Tensor2D) => {
          calls.push({
            kind: 'rollout',
            tokens: x.shape[0],
            batch: x.shape[1],
            levels: levels.dataSync() as Int32Array,
            inputs: x.dataSync() as Float32Array,
            z0: z0.dataSync() as Float32Array,
            mode: target.gradientMode,
          });
          return target.rollout(z0, x, levels);
        };
      }
      if (key === 'step') {
        return (z: tf.Tensor2D, x: tf.Tensor2D, levels: tf.Tensor1D) => {
          calls.push({
            kind: 'step',
            tokens: 1,
            batch: x.shape[0],
            levels: levels.dataSync() as Int32Array,
            inputs: x.dataSync() as Float32Array,
            z0: z.dataSync() as Float32Array,
            mode: target.gradientMode,
          });
          return target.step(z, x, levels);
        };
      }
      if (key === 'initialLatent') {
        return (obs: tf.Tensor2D | null, batch: number) => {
          calls.push({
            kind: 'initialLatent',
            tokens: 0,
            batch,
            levels: new Int32Array(0),
            inputs: obs === null ? new Float32Array(0) : (obs.dataSync() as Float32Array),
            z0: new Float32Array(0),
            mode: target.gradientMode,
          });
          return target.initialLatent(obs, batch);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { model: proxy, calls };
}
