/**
 * A differentiable op with a hand-written backward pass whose input gradients are computed lazily.
 *
 * `tf.customGrad` evaluates every input gradient eagerly, even for inputs the tape does not need (a linear
 * layer's data input in the first layer, a frozen weight). The engine's own `runKernelFunc` — which
 * `customGrad` wraps — accepts one thunk per input and calls only those on the path to the watched tensors.
 * That method is not in tfjs's public typings; tfjs is pinned to 4.22.0 and the gradient tests in
 * test/tensor/ compare every op built on this with plain autodiff.
 *
 * Saved tensors: the forward pass runs in a tidy, so anything the backward pass needs (other than the op's
 * inputs captured as constants, such as variables) must go through `save`.
 */
import * as tf from '@tensorflow/tfjs';

export interface CustomOpSpec<N extends string> {
  /** Named tensor inputs; gradients are returned for these names. */
  readonly inputs: Readonly<Record<N, tf.Tensor>>;
  /** Computes the output; `save` keeps tensors for the backward pass (only while a tape records). */
  forward(save: (tensors: tf.Tensor[]) => void): tf.Tensor;
  /** Returns one thunk per input: the gradient of the loss with respect to it, given dy and the saved tensors. */
  backward(dy: tf.Tensor, saved: readonly tf.Tensor[]): Record<N, () => tf.Tensor>;
}

interface EngineWithKernelFunc {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

export function customOp<N extends string, T extends tf.Tensor = tf.Tensor>(spec: CustomOpSpec<N>): T {
  // Nothing records gradients (inference, sampling): skip the tape machinery, keep the forward's tidy.
  if (!recording()) return tf.tidy(() => spec.forward(noSave)) as T;
  const engine = tf.engine() as unknown as EngineWithKernelFunc;
  return engine.runKernelFunc({
    forwardFunc: (_backend, save) => spec.forward(save),
    backwardsFunc: (dy, saved) => spec.backward(dy, saved),
    inputs: spec.inputs as Record<string, tf.Tensor>,
  }) as T;
}

/** True while a gradient tape records (inside tf.grad, tf.variableGrads, optimizer.minimize). */
export function recording(): boolean {
  return tf.engine().isTapeOn();
}

const noSave = (): void => {};
