import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { activate, initBackend } from '../../src/tensor/index.js';

const xs = Array.from({ length: 41 }, (_, i) => -5 + i * 0.25);

/** Reference formulas on plain numbers (float64). */
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const silu = (x: number) => x / (1 + Math.exp(-x));
/** Central finite difference in float64, as an independent derivative. */
const derivative = (f: (x: number) => number, x: number) => (f(x + 1e-6) - f(x - 1e-6)) / 2e-6;

describe.each(['wasm', 'cpu'] as const)('activations on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ requested: backend, logger: silentLogger });
  });

  it.each([
    ['gelu', geluTanh],
    ['silu', silu],
  ] as const)('%s values and derivatives match the formula', (kind, f) => {
    tf.tidy(() => {
      const x = tf.tensor1d(xs);
      const y = activate(x, kind).dataSync();
      const dy = tf
        .grad((v: tf.Tensor) => tf.sum(activate(v, kind)))(x)
        .dataSync();
      xs.forEach((v, i) => {
        expect(y[i]).toBeCloseTo(f(v), 5);
        expect(dy[i]).toBeCloseTo(derivative(f, v), 4);
      });
    });
  });

  it('gelu gradient matches autodiff of the same formula written with tfjs ops (≤ 1e-5 relative)', () => {
    tf.tidy(() => {
      const x = tf.tensor2d(xs, [41, 1]);
      const r = tf.linspace(-1, 2, 41).reshape([41, 1]);
      const plain = (v: tf.Tensor) =>
        tf.mul(
          tf.mul(0.5, v),
          tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(v, tf.mul(0.044715, tf.pow(v, 3)))))),
        );
      const ours = tf
        .grad((v: tf.Tensor) => tf.sum(tf.mul(activate(v, 'gelu'), r)))(x)
        .dataSync();
      const theirs = tf
        .grad((v: tf.Tensor) => tf.sum(tf.mul(plain(v), r)))(x)
        .dataSync();
      let diff = 0;
      let scale = 0;
      theirs.forEach((t, i) => {
        diff = Math.max(diff, Math.abs(ours[i]! - t));
        scale = Math.max(scale, Math.abs(t));
      });
      expect(diff / scale).toBeLessThanOrEqual(1e-5);
    });
  });

  it('elu and relu are the tfjs ops', () => {
    tf.tidy(() => {
      const x = tf.tensor1d(xs);
      expect(Array.from(activate(x, 'elu').dataSync())).toEqual(Array.from(tf.elu(x).dataSync()));
      expect(Array.from(activate(x, 'relu').dataSync())).toEqual(Array.from(tf.relu(x).dataSync()));
    });
  });
});
