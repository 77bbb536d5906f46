/**
 * The SIMD element-wise kernels (plain-network-elementwise.ts) against tfjs's own ops on the same float32
 * inputs: ELU and its derivative (tf.grad of tf.elu), and the GRU gates r, u, n and the new latent g (tf.sigmoid,
 * tf.tanh), over values from −100 to 100 (the exp clamp) and typical ones. Tolerance 1e-6 absolute (the
 * kernels' exp has ≈ 1e-7 relative error; tfjs computes in float32 too).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import { simdFloats, simdKernels } from '../../src/model/plain-network-kernels.js';
import { initBackend } from '../../src/tensor/index.js';

const TOLERANCE = 1e-6;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('plain network element-wise SIMD kernels', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });
  const kernels = simdKernels(simdFloats(new Array(12).fill(4096)));
  const ew = kernels.elementwise!;
  const rng = createRng(9);

  it('elu and its derivative equal tf.elu and tf.grad(tf.elu)', () => {
    const n = 1024;
    const values = rng.fillNormal(new Float32Array(n), 20).map((v, i) => (i % 3 === 0 ? v * 5 : v * 0.3));
    values.set([-100, 100, 0, -0, 1e-8, -1e-8, -87.5, 88.5]);
    const v = kernels.alloc(n);
    const d = kernels.alloc(n);
    v.set(values);
    ew.elu(v, 0, n, d, 0);
    const [y, dy] = tf.tidy(() => {
      const x = tf.tensor1d(values);
      return [
        tf.elu(x).dataSync(),
        tf
          .grad((t: tf.Tensor) => tf.elu(t))(x)
          .dataSync(),
      ];
    });
    expect(maxAbsDiff(v, y!)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(d, dy!)).toBeLessThan(TOLERANCE);
    // Without a derivative array only the values change.
    v.set(values);
    d.fill(7);
    ew.elu(v, 0, n, null, 0);
    expect(maxAbsDiff(v, y!)).toBeLessThan(TOLERANCE);
    expect(d.every((x) => x === 7)).toBe(true);
  });

  it('gru gates and the new latent equal the tfjs cell maths, and tape r, u, n, Z_n', () => {
    const z = 32;
    const rows = 3;
    const gi = kernels.alloc(rows * 3 * z);
    const zz = kernels.alloc(rows * (3 * z + 5));
    const zPrev = kernels.alloc(rows * z);
    const g = kernels.alloc(rows * z);
    const tape = kernels.alloc(4 * rows * z);
    gi.set(rng.fillNormal(new Float32Array(gi.length), 50).map((v) => v * 4));
    zz.set(rng.fillNormal(new Float32Array(zz.length), 50).map((v) => v * 4));
    zPrev.set(rng.fillNormal(new Float32Array(zPrev.length), 5));
    gi.set([-100, 100, 90], 0);
    const bz = rows * z;
    for (let b = 0; b < rows; b++) {
      // zz rows are wider than 3z (as in the network, where Z_r starts after the MLP's part): offset 5.
      ew.gru(gi, b * 3 * z, zz, b * (3 * z + 5) + 5, zPrev, b * z, g, b * z, z, tape, b * z, bz);
    }
    const expected = tf.tidy(() => {
      const giT = tf.tensor2d(gi, [rows, 3 * z]);
      const zzT = tf.slice(tf.tensor2d(zz, [rows, 3 * z + 5]), [0, 5], [rows, 3 * z]);
      const part = (t: tf.Tensor2D, k: number) => tf.slice(t, [0, k * z], [rows, z]);
      const r = tf.sigmoid(tf.add(part(giT, 0), part(zzT, 0)));
      const u = tf.sigmoid(tf.add(part(giT, 1), part(zzT, 1)));
      const nn = tf.tanh(tf.add(part(giT, 2), tf.mul(r, part(zzT, 2))));
      const gNew = tf.add(nn, tf.mul(u, tf.sub(tf.tensor2d(zPrev, [rows, z]), nn)));
      return [r, u, nn, part(zzT, 2), gNew].map((t) => t.dataSync());
    });
    expect(maxAbsDiff(g, expected[4]!)).toBeLessThan(TOLERANCE);
    for (let k = 0; k < 4; k++)
      expect(maxAbsDiff(tape.subarray(k * bz, (k + 1) * bz), expected[k]!)).toBeLessThan(TOLERANCE);
  });
});
