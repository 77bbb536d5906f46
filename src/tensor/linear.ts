/**
 * The linear layer y = act(x·W + b) with a hand-written backward pass (reference tfjs-performance.md §3.2,
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
import { customOp } from './custom-op.js';

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
