/**
 * Elementwise nonlinearities with hand-written derivatives, so autodiff does not record one tape node per
 * elementary op (the model applies these to many small per-step tensors, where kernel dispatch dominates).
 *
 *   gelu   tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) = x·σ(v),  v = 2√(2/π)(x + 0.044715x³)
 *          d/dx = s + y(1 − s)·v′,  s = σ(v), y = x·s, v′ = 2√(2/π)(1 + 3·0.044715x²)
 *   silu   x·σ(x);  d/dx = s + y(1 − s)
 *   elu    x > 0 ? x : eˣ − 1 (tfjs kernel; its gradient is one EluGrad kernel)
 *   relu   max(x, 0)
 */
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';

/** Same union as `Activation` in src/model/types.ts. */
export type ActivationKind = 'gelu' | 'silu' | 'elu' | 'relu';

const geluC = 2 * Math.sqrt(2 / Math.PI);
const geluA = 0.044715;

export function activate<T extends tf.Tensor>(x: T, kind: ActivationKind): T {
  switch (kind) {
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'silu':
      return silu(x);
    case 'gelu':
      return gelu(x);
  }
}

function silu<T extends tf.Tensor>(x: T): T {
  return customOp<'x', T>({
    inputs: { x },
    forward(save) {
      const s = tf.sigmoid(x);
      const y = tf.mul(x, s);
      save([s, y]);
      return y;
    },
    backward(dy, [s, y]) {
      // s + y(1 − s) = s + y − y·s
      return { x: () => tf.mul(dy, tf.sub(tf.add(s!, y!), tf.mul(y!, s!))) };
    },
  });
}

function gelu<T extends tf.Tensor>(x: T): T {
  return customOp<'x', T>({
    inputs: { x },
    forward(save) {
      const x2 = tf.square(x);
      const v = tf.mul(x, tf.add(tf.mul(x2, scalar(geluC * geluA)), scalar(geluC)));
      const s = tf.sigmoid(v);
      const y = tf.mul(x, s);
      save([x, s, y]);
      return y;
    },
    backward(dy, [x0, s, y]) {
      return {
        x: () => {
          const vPrime = tf.add(tf.mul(tf.square(x0!), scalar(3 * geluC * geluA)), scalar(geluC));
          const q = tf.sub(y!, tf.mul(y!, s!)); // y(1 − s)
          return tf.mul(dy, tf.add(s!, tf.mul(q, vPrime)));
        },
      };
    },
  });
}

/** Scalar constants, created once per value (and backend) and kept out of every tidy. */
const scalars = new Map<string, tf.Scalar>();
function scalar(value: number): tf.Scalar {
  const key = `${tf.getBackend()}:${value}`;
  let s = scalars.get(key);
  if (s === undefined || s.isDisposed) {
    s = tf.keep(tf.scalar(value));
    scalars.set(key, s);
  }
  return s;
}
