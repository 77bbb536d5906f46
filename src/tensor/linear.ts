/**
 * The linear layer y = act(x·W + b) with a hand-written backward pass (docs/performance.md §3.2,
 * §3.3, §3.6).
 *
 * Why not plain autodiff: tfjs's matMul gradient multiplies with `transposeA`/`transposeB` flags, and the
 * wasm backend runs any flagged matmul in a scalar loop instead of XNNPACK (≈10× slower). Here the backward
 * pass transposes explicitly and multiplies plainly:
 *
 *   dpre = dy ⊙ act′        (act fused into the forward matmul; relu/elu derivatives come from y)
 *   dx   = dpre · Wᵀ        Wᵀ cached per weight while the weight's storage is unchanged
 *   dW   = xᵀ · dpre
 *   db   = Σ_rows dpre
 *
 * Only x (and y for a nonlinearity) is saved; W is read from the variable itself. Gradients are lazy: an input
 * the tape does not need (first-layer data, frozen weights) costs nothing.
 *
 * Modes: 'train' gives gradients for x, W and b (use with tf.variableGrads). 'frozen' treats W and b as
 * constants and gives only dx — the guidance gradient while planning, where weight gradients are waste.
 */
import * as tf from '@tensorflow/tfjs';
import { customOp, recording } from './custom-op.js';

/** Activations the matmul kernel can fuse on every backend. */
export type LinearActivation = 'linear' | 'relu' | 'elu';

/** Same union as `GradientMode` in src/model/types.ts. */
export type LinearMode = 'train' | 'frozen';

/**
 * Wᵀ per weight, valid while the weight's storage id (`dataId`) is unchanged. An optimizer step or a load
 * assigns new storage, so a stale entry is detected and replaced; `clear()` frees them all at once.
 */
export class TransposeCache {
  readonly #entries = new Map<tf.Tensor, { dataId: tf.DataId; transposed: tf.Tensor2D }>();

  /** Wᵀ of a 2-D weight, computed once per weight version and kept out of every tidy. */
  transposeOf(w: tf.Tensor2D): tf.Tensor2D {
    const entry = this.#entries.get(w);
    if (entry !== undefined && entry.dataId === w.dataId && !entry.transposed.isDisposed)
      return entry.transposed;
    entry?.transposed.dispose();
    const transposed = tf.keep(tf.transpose(w));
    this.#entries.set(w, { dataId: w.dataId, transposed });
    return transposed;
  }

  /** Number of cached transposes (each is one live tensor). */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    for (const { transposed } of this.#entries.values()) transposed.dispose();
    this.#entries.clear();
  }
}

export interface LinearOptions {
  readonly activation?: LinearActivation;
  readonly mode?: LinearMode;
  /** Cache for Wᵀ; share one per model. */
  readonly cache: TransposeCache;
  /**
   * 'custom' (default): the hand-written backward above. 'autodiff': tfjs's own fused matmul and its
   * gradient — only for benchmarks that measure what the custom backward buys, and as a test reference.
   */
  readonly implementation?: 'custom' | 'autodiff';
}

/** y = act(x·W + b) for x [N, in], W [in, out], b [out] (or null). */
export function linear(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D | null,
  options: LinearOptions,
): tf.Tensor2D {
  const activation = options.activation ?? 'linear';
  const mode = options.mode ?? 'train';
  const { cache } = options;
  const forward = (): tf.Tensor2D =>
    tf.fused.matMul({ a: x, b: w, bias: b ?? undefined, activation }) as tf.Tensor2D;

  if (options.implementation === 'autodiff' || !recording()) return forward();
  if (mode === 'frozen') {
    return customOp<'x', tf.Tensor2D>({
      inputs: { x },
      forward(save) {
        const y = forward();
        if (activation !== 'linear') save([y]);
        return y;
      },
      backward(dy, saved) {
        return {
          x: () =>
            tf.matMul(activationGradient(dy as tf.Tensor2D, saved[0], activation), cache.transposeOf(w)),
        };
      },
    });
  }

  const backward = (dy: tf.Tensor, saved: readonly tf.Tensor[]) => {
    const xs = saved[0] as tf.Tensor2D;
    const dpre = activationGradient(dy as tf.Tensor2D, saved[1], activation);
    return {
      x: () => tf.matMul(dpre, cache.transposeOf(w)),
      w: () => tf.matMul(tf.transpose(xs), dpre),
      b: () => tf.sum(dpre, 0),
    };
  };
  if (b === null) {
    return customOp<'x' | 'w', tf.Tensor2D>({
      inputs: { x, w },
      forward(save) {
        const y = forward();
        save(activation === 'linear' ? [x] : [x, y]);
        return y;
      },
      backward,
    });
  }
  return customOp<'x' | 'w' | 'b', tf.Tensor2D>({
    inputs: { x, w, b },
    forward(save) {
      const y = forward();
      save(activation === 'linear' ? [x] : [x, y]);
      return y;
    },
    backward,
  });
}

/** dy ⊙ act′(pre), written with the output y = act(pre): relu′ = [y > 0], elu′ = y > 0 ? 1 : y + 1. */
function activationGradient(
  dy: tf.Tensor2D,
  y: tf.Tensor | undefined,
  activation: LinearActivation,
): tf.Tensor2D {
  if (activation === 'linear' || y === undefined) return dy;
  if (activation === 'relu') return tf.mul(dy, tf.step(y)) as tf.Tensor2D;
  return tf.engine().runKernel('EluGrad', { dy, y }) as tf.Tensor2D;
}

/**
 * One linear layer applied at every step of a recurrence with the same W and b (create one per rollout,
 * call `apply` once per step, in time order). W and b may be variables or tensors computed in the same taped
 * scope (e.g. several weights concatenated so one matmul serves them all).
 *
 * Plain per-step layers make the tape accumulate dW and db step by step: per weight and step one
 * transpose, one small matmul, one sum and two adds. Here the per-step backward passes only compute dx and
 * keep (x_t, dpre_t); the weight gradients are formed once, after the backward pass has visited every step:
 *
 *   dW = [x_1; …; x_T]ᵀ · [dpre_1; …; dpre_T],   db = 1ᵀ · [dpre_1; …; dpre_T]
 *
 * How the tape is made to do that: a tiny "anchor" op takes W and b as inputs and outputs a dummy scalar
 * that only step 0 consumes. Backpropagation visits tape nodes in reverse order, so every step's backward
 * (which records its pair) runs before the anchor's, whose gradient thunks then return dW and db.
 * Wᵀ for dx is computed once per backward pass (W is saved by every step; saving shares storage with the
 * wasm kernel patches). In 'frozen' mode there is no anchor and only dx is produced.
 */
export class RecurrentLinear {
  readonly #w: tf.Tensor2D;
  readonly #b: tf.Tensor1D | null;
  readonly #activation: LinearActivation;
  readonly #frozen: boolean;
  readonly #anchor: tf.Scalar | null;
  readonly #inputs: tf.Tensor2D[] = [];
  readonly #deltas: tf.Tensor2D[] = [];
  readonly #autodiff: boolean;
  #transposed: tf.Tensor2D | null = null;
  #steps = 0;

  constructor(w: tf.Tensor2D, b: tf.Tensor1D | null, options: Omit<LinearOptions, 'cache'>) {
    this.#w = w;
    this.#b = b;
    this.#activation = options.activation ?? 'linear';
    this.#frozen = (options.mode ?? 'train') === 'frozen';
    this.#autodiff = options.implementation === 'autodiff';
    this.#anchor = this.#frozen || this.#autodiff || !recording() ? null : this.#makeAnchor();
  }

  /** act(x_t·W + b) for the next step. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const step = this.#steps++;
    const activation = this.#activation;
    const w = this.#w;
    const b = this.#b;
    if (this.#autodiff)
      return tf.fused.matMul({ a: x, b: w, bias: b ?? undefined, activation }) as tf.Tensor2D;
    const frozen = this.#frozen;
    const inputs: Record<string, tf.Tensor> =
      step === 0 && this.#anchor !== null ? { x, anchor: this.#anchor } : { x };
    return customOp<string, tf.Tensor2D>({
      inputs,
      forward(save) {
        const y = tf.fused.matMul({ a: x, b: w, bias: b ?? undefined, activation }) as tf.Tensor2D;
        // saved: [W, x, y?] — W because it may be an intermediate that the forward tidy frees.
        save(activation === 'linear' ? [w, x] : [w, x, y]);
        return y;
      },
      backward: (dy, saved) => {
        // Wᵀ once per backward pass; created here (not in a thunk) so it lives until the pass ends.
        if (this.#transposed === null || this.#transposed.isDisposed)
          this.#transposed = tf.transpose(saved[0] as tf.Tensor2D);
        const wT = this.#transposed;
        const grads: Record<string, () => tf.Tensor> = {};
        if (frozen) {
          grads['x'] = () => tf.matMul(activationGradient(dy as tf.Tensor2D, saved[2], activation), wT);
          return grads;
        }
        // A clone (free: it shares storage) so the pair is owned by the backward pass's tidy until it ends.
        const dpre =
          activation === 'linear'
            ? tf.clone(dy as tf.Tensor2D)
            : activationGradient(dy as tf.Tensor2D, saved[2], activation);
        this.#inputs.push(saved[1] as tf.Tensor2D);
        this.#deltas.push(dpre);
        grads['x'] = () => tf.matMul(dpre, wT);
        if (step === 0) grads['anchor'] = () => tf.zeros([]);
        return grads;
      },
    });
  }

  #makeAnchor(): tf.Scalar {
    const inputs: Record<string, tf.Tensor> = this.#b === null ? { w: this.#w } : { w: this.#w, b: this.#b };
    return customOp<string, tf.Scalar>({
      inputs,
      forward: () => tf.zeros([]),
      backward: () => {
        const deltas = this.#deltas.length === 1 ? this.#deltas[0]! : tf.concat(this.#deltas, 0);
        const xs = this.#inputs.length === 1 ? this.#inputs[0]! : tf.concat(this.#inputs, 0);
        this.#inputs.length = 0;
        this.#deltas.length = 0;
        const grads: Record<string, () => tf.Tensor> = { w: () => tf.matMul(tf.transpose(xs), deltas) };
        // Σ rows as a [1, N]·[N, out] product: wasm sums along axis 0 by transposing first, which is ~30× slower.
        if (this.#b !== null)
          grads['b'] = () => tf.reshape(tf.matMul(tf.ones([1, deltas.shape[0]]), deltas), [-1]);
        return grads;
      },
    });
  }
}
