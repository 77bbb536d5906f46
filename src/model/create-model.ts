/**
 * The Diffusion Forcing network of the paper's RNN variant (docs/diffusion-forcing.md §3.1), built only
 * from a ModelConfig.
 *
 *   e(k)  = Linear(E→E)·act(Linear(E→E)·[sin(k·f), cos(k·f)]),  f_i = exp(−i·ln(10000)/(E/2 − 1))   (raw k)
 *   u_t   = [z_{t−1}, x_t^k, e(k_t)]
 *   h_t   = Linear(Hd→z)·ResBlocks(u_t)           ResBlock(a→b)(u) = act(shortcut(u) + W2·act(W1·u))
 *   g_t   = GRUCell(input h_t, hidden z_{t−1})    PyTorch gates: r, u = σ(·), n = tanh(x_n + r∘(W_hn·z + b_hn))
 *   z_t   = Linear(Hd→z)·ResBlocks(g_t)           the post-MLP output is the new latent
 *   out_t = Linear(z→D)·z_t                       x̂₀, ε̂ or v̂ per `objective`
 *   z_0   = init encoder MLP (O→W→W→z, ELU) of the first observation | learned vector | zeros
 *
 * Speed (docs/performance.md §3–4): everything that does not depend on z is batched over all T·B
 * tokens before the recurrence — the level embedding, the x and e(k) parts of the first ResBlock (both its
 * W1 and its shortcut) and the head — and only the z-dependent parts run per step. Sequences stay time-major
 * [T, B, ·]; per-step tensors come from one `unstack` (copy-free with the wasm kernel patches). Linear
 * layers use the explicit-transpose backward of src/tensor/linear.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { createRng } from '../math/index.js';
import { observationSize, tokenSize } from '../tasks/token-layout.js';
import { activate } from '../tensor/activations.js';
import { type LinearActivation, linear, RecurrentLinear, TransposeCache } from '../tensor/linear.js';
import { levelFeatureTable } from './level-features.js';
import type { Activation, CellOutput, DfModel, GradientMode, ModelConfig, RolloutOutput } from './types.js';
import { validateModelConfig } from './validate-model-config.js';
import { weightLayout } from './weight-layout.js';

// Re-exported: callers read the table from here since before it had its own (tfjs-free) module.
export { levelFeatureTable };

let instanceCount = 0;

/** A per-step layer of the recurrence: linear plus (unless fused) its activation. */
interface StepLayer {
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

export interface CreateModelOptions {
  /**
   * Backward pass of the linear layers: 'custom' (default, explicit transposes, see src/tensor/linear.ts) or
   * 'autodiff' (tfjs's own; for benchmarks and reference tests only).
   */
  readonly linear?: 'custom' | 'autodiff';
}

/** Builds a freshly initialised model; the same config and seed always give the same weights. */
export function createModel(config: ModelConfig, seed: number, options: CreateModelOptions = {}): DfModel {
  return new DiffusionForcingNet(validateModelConfig(config), seed, options.linear ?? 'custom');
}

class DiffusionForcingNet implements DfModel {
  readonly config: ModelConfig & { readonly activation: Activation };
  readonly variables: readonly tf.Variable[];
  readonly weightNames: readonly string[];
  readonly parameterCount: number;
  readonly #weights = new Map<string, tf.Variable>();
  readonly #cache = new TransposeCache();
  readonly #levelTable: tf.Tensor2D;
  readonly #z: number;
  readonly #d: number;
  readonly #hd: number;
  readonly #act: Activation;
  #mode: GradientMode = 'train';
  #disposed = false;

  readonly #linearImplementation: 'custom' | 'autodiff';

  constructor(
    config: ModelConfig & { readonly activation: Activation },
    seed: number,
    linearImplementation: 'custom' | 'autodiff',
  ) {
    this.config = config;
    this.#linearImplementation = linearImplementation;
    this.#z = config.latentSize;
    this.#d = tokenSize(config.layout);
    this.#hd = config.hiddenWidth;
    this.#act = config.activation;
    const prefix = `m${++instanceCount}/`;
    const rng = createRng(seed);
    const specs = weightLayout(config);
    const variables: tf.Variable[] = [];
    for (const spec of specs) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      if (spec.fanIn > 0) {
        const bound = 1 / Math.sqrt(spec.fanIn);
        for (let i = 0; i < size; i++) values[i] = (2 * rng.uniform() - 1) * bound;
      }
      const v = tf.tidy(() => tf.variable(tf.tensor(values, [...spec.shape]), true, prefix + spec.name));
      this.#weights.set(spec.name, v);
      variables.push(v);
    }
    this.variables = variables;
    this.weightNames = specs.map((s) => s.name);
    this.parameterCount = variables.reduce((n, v) => n + v.size, 0);
    const levels = config.noise.levels;
    const e = config.levelEmbeddingSize;
    this.#levelTable = tf.keep(tf.tensor2d(levelFeatureTable(levels, e), [levels, e]));
  }

  get gradientMode(): GradientMode {
    return this.#mode;
  }

  setGradientMode(mode: GradientMode): void {
    if (mode !== 'train' && mode !== 'frozen') {
      throw new InputError(`gradient mode must be 'train' or 'frozen', got '${String(mode)}'`);
    }
    this.#mode = mode;
  }

  weightsChanged(): void {
    this.#cache.clear();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache.clear();
    this.#levelTable.dispose();
    for (const v of this.variables) v.dispose();
  }

  initialLatent(firstObservation: tf.Tensor2D | null, batchSize: number): tf.Tensor2D {
    this.#checkAlive();
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InputError(`initialLatent: batch size must be a whole number ≥ 1, got ${batchSize}`);
    }
    const z = this.#z;
    switch (this.config.initLatent) {
      case 'zeros':
        return tf.zeros([batchSize, z]);
      case 'learned':
        return tf.tidy(
          () => tf.broadcastTo(tf.reshape(this.#w('init.z'), [1, z]), [batchSize, z]) as tf.Tensor2D,
        );
      case 'encoder': {
        const o = observationSize(this.config.layout);
        if (firstObservation === null) {
          throw new InputError(
            `initialLatent: this model encodes z₀ from the first observation (initLatent 'encoder'); ` +
              `pass the normalised first observation [${batchSize}, ${o}]`,
          );
        }
        if (
          firstObservation.rank !== 2 ||
          firstObservation.shape[0] !== batchSize ||
          firstObservation.shape[1] !== o
        ) {
          throw new InputError(
            `initialLatent: first observation has shape [${firstObservation.shape}], expected [${batchSize}, ${o}]`,
          );
        }
        return tf.tidy(() => {
          const h1 = this.#linear(firstObservation, 'init.w1', 'init.b1', 'elu');
          const h2 = this.#linear(h1, 'init.w2', 'init.b2', 'elu');
          return this.#linear(h2, 'init.w3', 'init.b3', null);
        });
      }
    }
  }

  step(zPrev: tf.Tensor2D, xNoisy: tf.Tensor2D, levels: tf.Tensor1D): CellOutput {
    this.#checkAlive();
    if (xNoisy.rank !== 2)
      throw new InputError(`step: xNoisy must be [B, ${this.#d}], got [${xNoisy.shape}]`);
    if (levels.rank !== 1) throw new InputError(`step: levels must be [B], got [${levels.shape}]`);
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
    this.#checkAlive();
    const [tCount, batch, d] = xNoisy.shape;
    const z = this.#z;
    const hd = this.#hd;
    if (xNoisy.rank !== 3 || d !== this.#d) {
      throw new InputError(`rollout: xNoisy must be time-major [T, B, ${this.#d}], got [${xNoisy.shape}]`);
    }
    if (levels.rank !== 2 || levels.shape[0] !== tCount || levels.shape[1] !== batch) {
      throw new InputError(
        `rollout: levels must be [${tCount}, ${batch}] (time-major), got [${levels.shape}]`,
      );
    }
    if (z0.rank !== 2 || z0.shape[0] !== batch || z0.shape[1] !== z) {
      throw new InputError(`rollout: z0 must be [${batch}, ${z}], got [${z0.shape}]`);
    }
    if (tCount < 1) throw new InputError('rollout: needs at least one token (T ≥ 1)');
    return tf.tidy(() => {
      const n = tCount * batch;
      const x = tf.reshape(xNoisy, [n, d]) as tf.Tensor2D;
      const levelIndex = levels.dtype === 'int32' ? levels : tf.cast(levels, 'int32');
      const features = tf.gather(this.#levelTable, tf.reshape(levelIndex, [n])) as tf.Tensor2D;
      const e = this.#linear(
        this.#linear(features, 'level.w1', 'level.b1', this.#act),
        'level.w2',
        'level.b2',
        null,
      );
      // The z-independent parts of the first ResBlock, for every token at once.
      const p1 = tf.add(
        this.#linear(x, 'pre.block0.w1x', 'pre.block0.b1', null),
        this.#linear(e, 'pre.block0.w1e', null, null),
      );
      const ps = tf.add(
        this.#linear(x, 'pre.block0.wsx', 'pre.block0.bs', null),
        this.#linear(e, 'pre.block0.wse', null, null),
      );
      // tfjs cannot differentiate an unstack with one output (its gradient calls stack on a bare tensor).
      const steps = (h: tf.Tensor): tf.Tensor2D[] =>
        tCount === 1 ? [h as tf.Tensor2D] : (tf.unstack(tf.reshape(h, [tCount, batch, hd])) as tf.Tensor2D[]);
      const p1Steps = steps(p1);
      const psSteps = steps(ps);
      const layers = this.#stepLayers();
      let zPrev = z0;
      const latents: tf.Tensor2D[] = [];
      for (let t = 0; t < tCount; t++) {
        zPrev = this.#cell(layers, zPrev, p1Steps[t]!, psSteps[t]!);
        latents.push(zPrev);
      }
      const zAll = tCount === 1 ? latents[0]! : (tf.reshape(tf.stack(latents), [n, z]) as tf.Tensor2D);
      const out = tf.reshape(this.#linear(zAll, 'head.w', 'head.b', null), [tCount, batch, d]) as tf.Tensor3D;
      return { out, zLast: zPrev };
    });
  }

  /**
   * The per-step linear layers of one rollout. Each gathers its weight gradient over all steps at once
   * (RecurrentLinear), so build a fresh set per rollout.
   */
  #stepLayers(): Map<string, StepLayer> {
    const act = this.#act;
    const layers = new Map<string, StepLayer>();
    const addLayer = (key: string, w: tf.Tensor2D, b: tf.Tensor1D | null, withAct: boolean): void => {
      const fusable = withAct && (act === 'elu' || act === 'relu');
      const layer = new RecurrentLinear(w, b, {
        activation: fusable ? (act as LinearActivation) : 'linear',
        mode: this.#mode,
        implementation: this.#linearImplementation,
      });
      layers.set(key, {
        apply: (x) => {
          const y = layer.apply(x);
          return withAct && !fusable ? activate(y, act) : y;
        },
      });
    };
    const add = (key: string, w: string, b: string | null, withAct: boolean): void =>
      addLayer(key, this.#w(w) as tf.Tensor2D, b === null ? null : (this.#w(b) as tf.Tensor1D), withAct);
    // Everything that reads z_{t−1} in one matmul: [W1z | Wsz | Whh], bias [0 | 0 | b_hh].
    addLayer(
      'zPrev',
      tf.concat([this.#w('pre.block0.w1z'), this.#w('pre.block0.wsz'), this.#w('gru.whh')], 1) as tf.Tensor2D,
      tf.concat([tf.zeros([2 * this.#hd]), this.#w('gru.bhh')]) as tf.Tensor1D,
      false,
    );
    const blocks = this.config.mlpLayers - 2;
    add('pre.block0.w2', 'pre.block0.w2', 'pre.block0.b2', false);
    for (let i = 1; i <= blocks; i++) {
      add(`pre.block${i}.w1`, `pre.block${i}.w1`, `pre.block${i}.b1`, true);
      add(`pre.block${i}.w2`, `pre.block${i}.w2`, `pre.block${i}.b2`, false);
    }
    // Linear(Hd→z) followed by the GRU's input projection (z→3z), with nothing in between, is one linear map:
    // h·W_out·W_ih + (b_out·W_ih + b_ih). Multiplying the weights once per rollout saves a matmul per step
    // (and its backward); gradients still reach W_out, b_out, W_ih and b_ih through these products.
    const wih = this.#w('gru.wih');
    addLayer(
      'pre.out+gru.wih',
      tf.matMul(this.#w('pre.out.w'), wih),
      tf.add(
        tf.reshape(tf.matMul(tf.reshape(this.#w('pre.out.b'), [1, this.#z]), wih), [-1]),
        this.#w('gru.bih'),
      ) as tf.Tensor1D,
      false,
    );
    add('post.block0.w1', 'post.block0.w1', 'post.block0.b1', true);
    add('post.block0.w2', 'post.block0.w2', 'post.block0.b2', false);
    if (this.#hd !== this.#z) add('post.block0.ws', 'post.block0.ws', 'post.block0.bs', false);
    for (let i = 1; i <= blocks; i++) {
      add(`post.block${i}.w1`, `post.block${i}.w1`, `post.block${i}.b1`, true);
      add(`post.block${i}.w2`, `post.block${i}.w2`, `post.block${i}.b2`, false);
    }
    add('post.out', 'post.out.w', 'post.out.b', false);
    return layers;
  }

  /** One recurrence step given the precomputed x/e(k) parts of the first ResBlock. */
  #cell(layers: Map<string, StepLayer>, zPrev: tf.Tensor2D, p1: tf.Tensor2D, ps: tf.Tensor2D): tf.Tensor2D {
    const act = this.#act;
    const z = this.#z;
    const hd = this.#hd;
    const layer = (key: string): StepLayer => layers.get(key)!;
    const [w1z, wsz, ghRu, ghN] = tf.split(
      layer('zPrev').apply(zPrev),
      [hd, hd, 2 * z, z],
      1,
    ) as tf.Tensor2D[];
    // Pre-MLP: ResBlock(z+D+E → Hd) with linear shortcut, (L−2) ResBlock(Hd → Hd), Linear(Hd → z).
    const a = activate(tf.add(w1z!, p1) as tf.Tensor2D, act);
    const shortcut = tf.add(wsz!, ps) as tf.Tensor2D;
    let h = activate(tf.add(shortcut, layer('pre.block0.w2').apply(a)) as tf.Tensor2D, act);
    for (let i = 1; i <= this.config.mlpLayers - 2; i++) h = this.#resBlock(layers, h, `pre.block${i}`);
    // GRU cell, PyTorch layout: columns r | u | n.
    const [giRu, giN] = tf.split(layer('pre.out+gru.wih').apply(h), [2 * z, z], 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    const [r, u] = tf.split(tf.sigmoid(tf.add(giRu, ghRu!)), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const nGate = tf.tanh(tf.add(giN, tf.mul(r, ghN!)));
    const g = tf.add(nGate, tf.mul(u, tf.sub(zPrev, nGate))) as tf.Tensor2D; // (1−u)∘n + u∘z
    // Post-MLP: ResBlock(z → Hd), (L−2) ResBlock(Hd → Hd), Linear(Hd → z) = the new latent.
    const a2 = layer('post.block0.w1').apply(g);
    const skip = this.#hd === z ? g : layer('post.block0.ws').apply(g);
    let p = activate(tf.add(skip, layer('post.block0.w2').apply(a2)) as tf.Tensor2D, act);
    for (let i = 1; i <= this.config.mlpLayers - 2; i++) p = this.#resBlock(layers, p, `post.block${i}`);
    return layer('post.out').apply(p);
  }

  /** ResBlock(Hd → Hd) with identity shortcut: act(h + W2·act(W1·h)). */
  #resBlock(layers: Map<string, StepLayer>, h: tf.Tensor2D, prefix: string): tf.Tensor2D {
    const inner = layers.get(`${prefix}.w1`)!.apply(h);
    return activate(tf.add(h, layers.get(`${prefix}.w2`)!.apply(inner)) as tf.Tensor2D, this.#act);
  }

  /** x·W + b followed by `act` (fused into the matmul when the kernel supports it). */
  #linear(x: tf.Tensor2D, w: string, b: string | null, act: Activation | null): tf.Tensor2D {
    const fusable = act === 'elu' || act === 'relu';
    const y = linear(x, this.#w(w) as tf.Tensor2D, b === null ? null : (this.#w(b) as tf.Tensor1D), {
      activation: fusable ? act : 'linear',
      mode: this.#mode,
      cache: this.#cache,
      implementation: this.#linearImplementation,
    });
    return act === null || fusable ? y : activate(y, act);
  }

  #w(name: string): tf.Variable {
    const v = this.#weights.get(name);
    if (v === undefined) throw new Error(`internal: model weight '${name}' does not exist`);
    return v;
  }

  #checkAlive(): void {
    if (this.#disposed) throw new InputError('this model was disposed; create or load it again');
  }
}
