/**
 * The plain (Float32Array) networks' activations, shared by the planner's network (plain-network.ts) and the
 * training engine (src/train/plain-gradients.ts): kinds as small integers, so element-wise loops switch once per
 * call, not per element; formulas as in src/tensor/activations.ts. No tfjs here, so worker threads can load it.
 */
import type { Activation } from './types.js';

export const ACT_ELU = 0;
const ACT_RELU = 1;
const ACT_SILU = 2;
const ACT_GELU = 3;
export const activationCodes: Readonly<Record<Activation, number>> = {
  elu: ACT_ELU,
  relu: ACT_RELU,
  silu: ACT_SILU,
  gelu: ACT_GELU,
};
/** The tanh-approximate GELU of src/tensor/activations.ts: x·σ(v), v = c·(x + 0.044715x³). */
const GELU_C = 2 * Math.sqrt(2 / Math.PI);
const GELU_CA = GELU_C * 0.044715;

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * v ← act(v) over [off, off + len); with `deriv`, also deriv[dOff + i] = act′ at that element (the
 * backward pass multiplies by it). Formulas as in src/tensor/activations.ts.
 */
export function activate(
  v: Float32Array,
  off: number,
  len: number,
  kind: number,
  deriv: Float32Array | null,
  dOff: number,
): void {
  const end = off + len;
  switch (kind) {
    case ACT_ELU:
      if (deriv === null) {
        for (let i = off; i < end; i++) {
          const a = v[i]!;
          if (a <= 0) v[i] = Math.expm1(a);
        }
      } else {
        for (let i = off; i < end; i++) {
          const a = v[i]!;
          if (a > 0) deriv[dOff + i - off] = 1;
          else {
            const e = Math.exp(a);
            v[i] = e - 1;
            deriv[dOff + i - off] = e;
          }
        }
      }
      return;
    case ACT_RELU:
      for (let i = off; i < end; i++) {
        const a = v[i]!;
        if (a > 0) {
          if (deriv !== null) deriv[dOff + i - off] = 1;
        } else {
          v[i] = 0;
          if (deriv !== null) deriv[dOff + i - off] = 0;
        }
      }
      return;
    case ACT_SILU:
      for (let i = off; i < end; i++) {
        const a = v[i]!;
        const s = 1 / (1 + Math.exp(-a));
        const y = a * s;
        v[i] = y;
        if (deriv !== null) deriv[dOff + i - off] = s + y * (1 - s);
      }
      return;
    case ACT_GELU:
      for (let i = off; i < end; i++) {
        const a = v[i]!;
        const a2 = a * a;
        const s = 1 / (1 + Math.exp(-a * (a2 * GELU_CA + GELU_C)));
        const y = a * s;
        v[i] = y;
        if (deriv !== null) deriv[dOff + i - off] = s + y * (1 - s) * (3 * GELU_CA * a2 + GELU_C);
      }
      return;
  }
}
