/**
 * A DfModel whose clean estimate is known in closed form (as diffusers tests its DDIM loop with a
 * dummy model), so the sampler must land exactly on it and its level bookkeeping can be read back.
 *
 * Latent z = [tokens seen so far, running sum of every input value]. The clean token at absolute position p
 * (= z[0] before the token) of batch element b is target(p, b, d) = sin(0.7p + 0.3d) + 0.1b. The head returns
 * what a perfect model would for its objective, given the input x at the labelled level k:
 *   x0: target    eps: (x − √ᾱ_k·target)/√(1−ᾱ_k)    v: √ᾱ_k·ε − √(1−ᾱ_k)·target
 * Every rollout is recorded (labels, inputs, token count).
 */
import * as tf from '@tensorflow/tfjs';
import type { NoiseSchedule } from '../../src/math/index.js';
import type {
  CellOutput,
  DfModel,
  GradientMode,
  ModelConfig,
  Objective,
  RolloutOutput,
} from '../../src/model/index.js';

export const tokenDim = 6;

export function target(position: number, batch: number, d: number): number {
  return Math.sin(0.7 * position + 0.3 * d) + 0.1 * batch;
}

export interface RecordedRollout {
  /** Labels [T·B], time-major. */
  readonly labels: Int32Array;
  /** Inputs [T·B·D]. */
  readonly inputs: Float32Array;
  readonly tokens: number;
  /** Absolute position of each token of batch element 0. */
  readonly positions: number[];
}

export class ClosedFormModel implements DfModel {
  readonly config: ModelConfig;
  readonly variables: readonly tf.Variable[] = [];
  readonly weightNames: readonly string[] = [];
  readonly parameterCount = 0;
  readonly calls: RecordedRollout[] = [];
  cellCalls = 0;
  readonly #schedule: NoiseSchedule;
  #mode: GradientMode = 'train';

  constructor(objective: Objective, schedule: NoiseSchedule) {
    this.#schedule = schedule;
    this.config = {
      layout: {
        frameStack: 2,
        fields: [
          { name: 'position', kind: 'observation', size: 2 },
          { name: 'action', kind: 'action', size: 1 },
        ],
      },
      normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      latentSize: 2,
      hiddenWidth: 1,
      mlpLayers: 2,
      levelEmbeddingSize: 4,
      initEncoderWidth: 1,
      initLatent: 'zeros',
      noise: { schedule: schedule.kind, levels: schedule.levels },
      objective,
    };
  }

  get gradientMode(): GradientMode {
    return this.#mode;
  }
  setGradientMode(mode: GradientMode): void {
    this.#mode = mode;
  }
  weightsChanged(): void {}
  dispose(): void {}

  initialLatent(_first: tf.Tensor2D | null, batchSize: number): tf.Tensor2D {
    return tf.zeros([batchSize, 2]);
  }

  step(zPrev: tf.Tensor2D, xNoisy: tf.Tensor2D, levels: tf.Tensor1D): CellOutput {
    const { out, zLast } = this.rollout(
      zPrev,
      tf.expandDims(xNoisy, 0) as tf.Tensor3D,
      tf.expandDims(levels, 0) as tf.Tensor2D,
    );
    const result = { z: zLast, out: tf.squeeze(out, [0]) as tf.Tensor2D };
    out.dispose();
    return result;
  }

  rollout(z0: tf.Tensor2D, xNoisy: tf.Tensor3D, levels: tf.Tensor2D): RolloutOutput {
    const [tCount, batch, d] = xNoisy.shape;
    const z = Float64Array.from(z0.dataSync());
    const x = xNoisy.dataSync() as Float32Array;
    const labels = levels.dataSync() as Int32Array;
    const out = new Float32Array(x.length);
    const positions: number[] = [];
    for (let t = 0; t < tCount; t++) {
      for (let b = 0; b < batch; b++) {
        const k = labels[t * batch + b]!;
        const a = this.#schedule.sqrtAlphaBar[k]!;
        const s = this.#schedule.sqrtOneMinusAlphaBar[k]!;
        const p = z[b * 2]!;
        if (b === 0) positions.push(p);
        for (let j = 0; j < d; j++) {
          const i = (t * batch + b) * d + j;
          const clean = target(p, b, j);
          const eps = (x[i]! - a * clean) / s;
          const value =
            this.config.objective === 'x0'
              ? clean
              : this.config.objective === 'eps'
                ? eps
                : a * eps - s * clean;
          out[i] = value;
          z[b * 2 + 1]! += x[i]!;
        }
        z[b * 2]! += 1;
      }
    }
    this.cellCalls += tCount;
    this.calls.push({ labels: labels.slice(), inputs: x.slice(), tokens: tCount, positions });
    return {
      out: tf.tensor3d(out, [tCount, batch, d]),
      zLast: tf.tensor2d(Float32Array.from(z), [batch, 2]),
    };
  }
}
