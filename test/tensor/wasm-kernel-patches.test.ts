import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import { initBackend, wasmKernelPatchesInstalled } from '../../src/tensor/index.js';

/** Runs `f` on the cpu backend (the reference) and on patched wasm; returns both results as plain arrays. */
async function onBoth<T>(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: T; wasm: T }> {
  const read = (r: tf.Tensor | tf.Tensor[]) => {
    const out = Array.isArray(r)
      ? r.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }))
      : { shape: r.shape, values: Array.from(r.dataSync()) };
    tf.dispose(r);
    return out as T;
  };
  await tf.setBackend('cpu');
  const cpu = read(tf.tidy(f));
  await tf.setBackend('wasm');
  const wasm = read(tf.tidy(f));
  return { cpu, wasm };
}

describe('copy-free wasm kernels', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('are installed by initBackend on wasm', () => {
    expect(wasmKernelPatchesInstalled()).toBe(true);
  });

  it('slice, split and unstack agree with the cpu backend on 200 random cases', async () => {
    const rng = createRng(42);
    for (let c = 0; c < 200; c++) {
      const rank = 1 + rng.int(4);
      const shape = Array.from({ length: rank }, () => 1 + rng.int(5));
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, (_, i) => i + 0.5);
      const dtype = rng.uniform() < 0.2 ? 'int32' : 'float32';
      const begin = shape.map((d) => rng.int(d));
      const sliceSize = shape.map((d, i) => (rng.uniform() < 0.3 ? -1 : 1 + rng.int(d - begin[i]!)));
      const axis = rng.int(rank);
      const make = () => tf.tensor(dtype === 'int32' ? values.map(Math.floor) : values, shape, dtype);
      const sliced = await onBoth(() => tf.slice(make(), begin, sliceSize));
      expect(sliced.wasm, `slice case ${c}: shape ${shape} begin ${begin} size ${sliceSize}`).toEqual(
        sliced.cpu,
      );
      const parts = shape[axis]! > 1 ? [1, shape[axis]! - 1] : [1];
      const split = await onBoth(() => tf.split(make(), parts, axis));
      expect(split.wasm, `split case ${c}`).toEqual(split.cpu);
      const unstacked = await onBoth(() => tf.unstack(make(), axis));
      expect(unstacked.wasm, `unstack case ${c}`).toEqual(unstacked.cpu);
    }
  });

  it('clone shares storage safely: disposing either side leaves the other intact and frees once', () => {
    const before = tf.memory();
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    const c = tf.add(b, 1);
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual([2, 3, 4]);
    c.dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('gradients through slice, split and unstack match the cpu backend', async () => {
    const rng = createRng(7);
    const values = Array.from({ length: 4 * 3 * 5 }, () => rng.normal());
    const f = () => {
      const g = tf.grad((x: tf.Tensor) => {
        const [p, q] = tf.split(x, [1, 2], 1);
        const parts = tf.unstack(tf.slice(q!, [1, 0, 1], [2, -1, 3]));
        return tf.sum(tf.add(tf.mul(p!, 2), tf.sum(tf.mul(parts[0]!, parts[1]!))));
      });
      return g(tf.tensor3d(values, [4, 3, 5]));
    };
    const result = await onBoth<{ values: number[] }>(f);
    result.wasm.values.forEach((v, i) => {
      expect(v).toBeCloseTo(result.cpu.values[i]!, 5);
    });
  });

  it('unstacking a large tensor leaks nothing across repeated calls', () => {
    const x = tf.randomNormal([60, 64, 32]);
    const count = () => tf.memory().numTensors;
    const start = count();
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.unstack(x).map((t) => tf.sum(t));
      });
    }
    expect(count()).toBe(start);
    x.dispose();
  });
});
