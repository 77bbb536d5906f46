import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import {
  initBackend,
  type LinearActivation,
  linear,
  RecurrentLinear,
  TransposeCache,
} from '../../src/tensor/index.js';

/** Gradients compared with plain tfjs autodiff: max |a − b| / max |b| ≤ 1e-5 (float32 on wasm). */
const tolerance = 1e-5;

function relativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(a.shape).toEqual(b.shape);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return tf.tensor(values, shape);
}

/** The plain-autodiff reference: act(x·W + b) from elementary tfjs ops. */
function reference(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D | null,
  act: LinearActivation,
): tf.Tensor2D {
  const pre = b === null ? tf.matMul(x, w) : tf.add(tf.matMul(x, w), b);
  if (act === 'relu') return tf.relu(pre) as tf.Tensor2D;
  if (act === 'elu') return tf.elu(pre) as tf.Tensor2D;
  return pre as tf.Tensor2D;
}

const backends = ['wasm', 'cpu'] as const;

describe.each(backends)('linear on %s', (backend) => {
  const cache = new TransposeCache();
  beforeAll(async () => {
    await initBackend({ requested: backend, logger: silentLogger });
  });
  afterEach(() => cache.clear());

  it.each(['linear', 'relu', 'elu'] as const)(
    'train-mode gradients of x, W, b match autodiff (%s)',
    (act) => {
      tf.tidy(() => {
        const x = randomTensor([7, 5], 1) as tf.Tensor2D;
        const w = randomTensor([5, 4], 2) as tf.Tensor2D;
        const b = randomTensor([4], 3) as tf.Tensor1D;
        const r = randomTensor([7, 4], 4);
        const loss = (f: typeof reference) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(f(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, act), r));
        const ours = tf.grads(loss((xi, wi, bi, a) => linear(xi, wi, bi, { activation: a, cache })))([
          x,
          w,
          b,
        ]);
        const theirs = tf.grads(loss(reference))([x, w, b]);
        ours.forEach((g, i) => {
          expect(relativeDifference(g, theirs[i]!)).toBeLessThanOrEqual(tolerance);
        });
        const value = linear(x, w, b, { activation: act, cache });
        expect(relativeDifference(value, reference(x, w, b, act))).toBeLessThanOrEqual(1e-6);
      });
    },
  );

  it('frozen mode gives the same dx and no weight gradients', () => {
    tf.tidy(() => {
      const x = randomTensor([6, 3], 5) as tf.Tensor2D;
      const w = tf.variable(randomTensor([3, 4], 6) as tf.Tensor2D);
      const b = tf.variable(randomTensor([4], 7) as tf.Tensor1D);
      const dxFrozen = tf.grad((xi: tf.Tensor) =>
        tf.sum(tf.square(linear(xi as tf.Tensor2D, w, b, { activation: 'elu', mode: 'frozen', cache }))),
      )(x);
      const dxRef = tf.grad((xi: tf.Tensor) => tf.sum(tf.square(reference(xi as tf.Tensor2D, w, b, 'elu'))))(
        x,
      );
      expect(relativeDifference(dxFrozen, dxRef)).toBeLessThanOrEqual(tolerance);
      expect(() =>
        tf.variableGrads(() => tf.sum(linear(x, w, b, { mode: 'frozen', cache })) as tf.Scalar, [w, b]),
      ).toThrow();
      w.dispose();
      b.dispose();
    });
  });

  it('a weight changed without clearing the cache still gets correct gradients, and nothing leaks', () => {
    const w = tf.variable(randomTensor([3, 2], 8) as tf.Tensor2D);
    const x = randomTensor([4, 3], 9) as tf.Tensor2D;
    const dx = () =>
      tf.tidy(() =>
        tf.grad((xi: tf.Tensor) => tf.sum(tf.square(linear(xi as tf.Tensor2D, w, null, { cache }))))(x),
      );
    dx().dispose(); // fills the cache
    const count = tf.memory().numTensors;
    tf.tidy(() => w.assign(tf.mul(w, -2)));
    const after = dx();
    const expected = tf.tidy(() => tf.grad((xi: tf.Tensor) => tf.sum(tf.square(tf.matMul(xi, w))))(x));
    expect(relativeDifference(after, expected)).toBeLessThanOrEqual(tolerance);
    after.dispose();
    expected.dispose();
    expect(cache.size).toBe(1);
    expect(tf.memory().numTensors).toBe(count);
    x.dispose();
    w.dispose();
  });
});

describe.each(backends)('RecurrentLinear on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ requested: backend, logger: silentLogger });
  });

  /** h_{t+1} = tanh(act(h_t·W + b) + u_t): the weight is shared by every step, as in the model's recurrence. */
  function run(
    h0: tf.Tensor2D,
    inputs: tf.Tensor2D[],
    step: (h: tf.Tensor2D, t: number) => tf.Tensor2D,
  ): tf.Scalar {
    let h = h0;
    const outs: tf.Tensor[] = [];
    inputs.forEach((u, t) => {
      h = tf.tanh(tf.add(step(h, t), u)) as tf.Tensor2D;
      outs.push(tf.sum(tf.mul(h, t + 1)));
    });
    return tf.addN(outs) as tf.Scalar;
  }

  it.each(['linear', 'elu'] as const)(
    'weight gradients gathered over time match per-step autodiff (%s)',
    (act) => {
      const w = tf.variable(tf.mul(randomTensor([4, 4], 11), 0.5) as tf.Tensor2D);
      const b = tf.variable(randomTensor([4], 12) as tf.Tensor1D);
      const h0 = randomTensor([3, 4], 13) as tf.Tensor2D;
      const inputs = [0, 1, 2, 3, 4].map((t) => randomTensor([3, 4], 20 + t) as tf.Tensor2D);
      const ours = () => {
        const layer = new RecurrentLinear(w, b, { activation: act });
        return run(h0, inputs, (h) => layer.apply(h));
      };
      const theirs = () => run(h0, inputs, (h) => reference(h, w, b, act));
      const start = tf.memory().numTensors;
      for (let repeat = 0; repeat < 3; repeat++) {
        tf.tidy(() => {
          const a = tf.variableGrads(ours, [w, b]);
          const r = tf.variableGrads(theirs, [w, b]);
          expect(relativeDifference(a.value, r.value)).toBeLessThanOrEqual(1e-6);
          expect(relativeDifference(a.grads[w.name]!, r.grads[w.name]!)).toBeLessThanOrEqual(tolerance);
          expect(relativeDifference(a.grads[b.name]!, r.grads[b.name]!)).toBeLessThanOrEqual(tolerance);
          // Gradient with respect to the initial state flows back through every step.
          const dh0 = tf.grad((h: tf.Tensor) => {
            const layer = new RecurrentLinear(w, b, { activation: act });
            return run(h as tf.Tensor2D, inputs, (hh) => layer.apply(hh));
          })(h0);
          const dh0Ref = tf.grad((h: tf.Tensor) =>
            run(h as tf.Tensor2D, inputs, (hh) => reference(hh, w, b, act)),
          )(h0);
          expect(relativeDifference(dh0, dh0Ref)).toBeLessThanOrEqual(tolerance);
        });
        expect(tf.memory().numTensors).toBe(start);
      }
      tf.dispose([w, b, h0, ...inputs]);
    },
  );

  it('works with a weight computed in the taped scope (concatenated variables)', () => {
    const wa = tf.variable(tf.mul(randomTensor([4, 2], 31), 0.5) as tf.Tensor2D);
    const wb = tf.variable(tf.mul(randomTensor([4, 2], 32), 0.5) as tf.Tensor2D);
    const h0 = randomTensor([3, 4], 33) as tf.Tensor2D;
    const inputs = [0, 1, 2].map((t) => randomTensor([3, 4], 40 + t) as tf.Tensor2D);
    tf.tidy(() => {
      const ours = tf.variableGrads(() => {
        const layer = new RecurrentLinear(tf.concat([wa, wb], 1) as tf.Tensor2D, null, {});
        return run(h0, inputs, (h) => layer.apply(h));
      }, [wa, wb]);
      const theirs = tf.variableGrads(
        () => run(h0, inputs, (h) => tf.matMul(h, tf.concat([wa, wb], 1))),
        [wa, wb],
      );
      expect(relativeDifference(ours.grads[wa.name]!, theirs.grads[wa.name]!)).toBeLessThanOrEqual(tolerance);
      expect(relativeDifference(ours.grads[wb.name]!, theirs.grads[wb.name]!)).toBeLessThanOrEqual(tolerance);
    });
    tf.dispose([wa, wb, h0, ...inputs]);
  });

  it('frozen mode gives input gradients only', () => {
    const w = tf.variable(tf.mul(randomTensor([4, 4], 51), 0.5) as tf.Tensor2D);
    const h0 = randomTensor([2, 4], 52) as tf.Tensor2D;
    const inputs = [0, 1, 2].map((t) => randomTensor([2, 4], 60 + t) as tf.Tensor2D);
    tf.tidy(() => {
      const dh0 = tf.grad((h: tf.Tensor) => {
        const layer = new RecurrentLinear(w, null, { mode: 'frozen', activation: 'elu' });
        return run(h as tf.Tensor2D, inputs, (hh) => layer.apply(hh));
      })(h0);
      const dh0Ref = tf.grad((h: tf.Tensor) =>
        run(h as tf.Tensor2D, inputs, (hh) => reference(hh, w, null, 'elu')),
      )(h0);
      expect(relativeDifference(dh0, dh0Ref)).toBeLessThanOrEqual(tolerance);
    });
    tf.dispose([w, h0, ...inputs]);
  });
});
