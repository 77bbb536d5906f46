/**
 * Contract of the one Diffusion Forcing network (docs/diffusion-forcing.md §3.1). Training, sampling and planning all use a
 * `DfModel` built from a `ModelConfig`; nothing else re-describes its layers. Tensors are time-major.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Normalization, TokenLayout } from '../tasks/token-layout.js';

export type Objective = 'x0' | 'eps' | 'v';
export type BetaScheduleKind = 'linear' | 'cosine' | 'sigmoid';
export type InitLatent = 'encoder' | 'learned' | 'zeros';
/**
 * Nonlinearity of the level-embedding MLP and the pre/post ResBlocks. 'gelu' is the paper's GELU in its tanh
 * approximation (tfjs has no native GELU); 'silu' is x·σ(x); 'elu' and 'relu' fuse into the matmul kernel on
 * wasm and are the cheap choices. The init encoder always uses ELU (docs/diffusion-forcing.md §2.1).
 */
export type Activation = 'gelu' | 'silu' | 'elu' | 'relu';
/**
 * Which gradients the network's linear layers provide. 'train': input and weight gradients (for
 * tf.variableGrads). 'frozen': input gradients only, weights treated as constants (guidance while planning);
 * weight gradients are then zero/absent, so never train in this mode.
 */
export type GradientMode = 'train' | 'frozen';

export interface ModelConfig {
  /** Token layout (fields × frame stack) and its per-step-dimension normalisation. */
  readonly layout: TokenLayout;
  readonly normalization: Normalization;
  /** z size. */
  readonly latentSize: number;
  /** Hidden width of the pre/post ResBlock MLPs (paper: 32·network_size). */
  readonly hiddenWidth: number;
  /** num_mlp_layers L: ResBlock(in→Hd), (L−2)×ResBlock(Hd→Hd), Linear(Hd→z). L ≥ 2. */
  readonly mlpLayers: number;
  /** Sinusoidal noise-level embedding size E (even). */
  readonly levelEmbeddingSize: number;
  /** Width of the init encoder MLP obs→W→W→z (ELU). */
  readonly initEncoderWidth: number;
  /** How z₀ is made: from the first observation, a learned vector, or zeros. */
  readonly initLatent: InitLatent;
  /** Diffusion process the model was trained for. */
  readonly noise: { readonly schedule: BetaScheduleKind; readonly levels: number };
  readonly objective: Objective;
  /**
   * ResBlock/level-embedding nonlinearity. Optional in files written before it existed; `createModel` fills
   * it in, so `DfModel.config.activation` is always set (and saved) — see `defaultActivation`.
   */
  readonly activation?: Activation;
}

export interface CellOutput {
  /** New latent z_t, [B, latentSize]. */
  readonly z: tf.Tensor2D;
  /** Head output (x̂₀, ε̂ or v̂ per `objective`), [B, tokenSize]. */
  readonly out: tf.Tensor2D;
}

export interface RolloutOutput {
  /** Head outputs for every token, [T, B, tokenSize]. */
  readonly out: tf.Tensor3D;
  /** Latent after the last token, [B, latentSize]. */
  readonly zLast: tf.Tensor2D;
}

export interface DfModel {
  readonly config: ModelConfig;
  /** z₀ for a batch: from the normalised first observation [B, obsSize] (encoder mode) or learned/zeros. */
  initialLatent(firstObservation: tf.Tensor2D | null, batchSize: number): tf.Tensor2D;
  /** One cell call: z_t = f(z_{t−1}, x_t^k, k), out_t = head(z_t). `levels` int32 [B], integer levels 0…K−1. */
  step(zPrev: tf.Tensor2D, xNoisy: tf.Tensor2D, levels: tf.Tensor1D): CellOutput;
  /** Teacher-forced rollout over T tokens (training): x [T, B, D], levels int32 [T, B]. */
  rollout(z0: tf.Tensor2D, xNoisy: tf.Tensor3D, levels: tf.Tensor2D): RolloutOutput;
  /** Trainable weights, in a fixed order. */
  readonly variables: readonly tf.Variable[];
  /**
   * Stable weight names, parallel to `variables` (e.g. 'pre.block0.w1z'): use these in model files. The
   * tf.Variable names themselves carry a per-instance prefix ('m3/pre.block0.w1z') because tfjs requires
   * process-unique variable names and two models may be alive at once (training + loading, tests).
   */
  readonly weightNames: readonly string[];
  /** Number of scalar parameters. */
  readonly parameterCount: number;
  /**
   * Call after the weights change (optimizer step, load) to free cached transposes promptly. Stale caches are
   * also detected by the weights' storage ids, so forgetting it costs memory for a while, never correctness.
   */
  weightsChanged(): void;
  /** Current gradient mode of the linear layers (default 'train'). */
  readonly gradientMode: GradientMode;
  /** Switches between 'train' (all gradients) and 'frozen' (input gradients only, for guidance). */
  setGradientMode(mode: GradientMode): void;
  dispose(): void;
}
