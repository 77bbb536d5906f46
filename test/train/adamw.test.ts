import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { AdamW } from '../../src/train/adamw.js';

/** Float64 reference of one AdamW update (PyTorch order: decoupled decay, then the Adam step). */
function referenceAdamW(
  theta: number[],
  grads: number[][],
  o: {
    lr: number;
    b1: number;
    b2: number;
    eps: number;
    wd: number;
    warmup: number;
    clip: number | null;
    decay?: { start: number; end: number; final: number };
  },
): number[] {
  const w = [...theta];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  grads.forEach((g0, step) => {
    const n = step + 1;
    const d = o.decay;
    // Decay factor for update index `step` (0-based), straight from the piecewise-linear definition.
    const decay =
      d === undefined
        ? 1
        : step <= d.start
          ? 1
          : step >= d.end
            ? d.final
            : 1 + ((d.final - 1) * (step - d.start)) / (d.end - d.start);
    const lr = (o.warmup > 0 ? o.lr * Math.min(1, n / o.warmup) : o.lr) * decay;
    const norm = Math.sqrt(g0.reduce((s, x) => s + x * x, 0));
    const scale = o.clip === null ? 1 : Math.min(1, o.clip / (norm + 1e-6));
    w.forEach((_, i) => {
      const g = g0[i]! * scale;
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g * g;
      const mHat = m[i]! / (1 - o.b1 ** n);
      const vHat = v[i]! / (1 - o.b2 ** n);
      w[i] = w[i]! * (1 - lr * o.wd) - (lr * mHat) / (Math.sqrt(vHat) + o.eps);
    });
  });
  return w;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdamW', () => {
  const theta = [0.5, -1.25, 2, 0.1, -0.3];
  const grads = [
    [0.3, -0.2, 1.5, -0.01, 0.7],
    [0.1, 0.4, -0.9, 0.02, 0.2],
    [-0.5, 0.3, 0.2, 0.05, -0.4],
    [0.2, -0.1, 0.6, -0.03, 0.1],
  ];

  for (const clip of [null, 0.5]) {
    it(`matches a float64 reference with warm-up, weight decay and clip=${clip}`, () => {
      const a = tf.variable(tf.tensor1d(theta.slice(0, 2)));
      const b = tf.variable(tf.tensor2d([theta.slice(2)], [1, 3]));
      const opt = new AdamW([a, b], {
        learningRate: 0.1,
        warmupSteps: 3,
        weightDecay: 0.05,
        gradClipNorm: clip,
      });
      for (const g of grads) {
        tf.tidy(() => {
          opt.apply([tf.tensor1d(g.slice(0, 2)), tf.tensor2d([g.slice(2)], [1, 3])]);
        });
      }
      const got = [...a.dataSync(), ...b.dataSync()];
      const want = referenceAdamW(theta, grads, {
        lr: 0.1,
        b1: 0.9,
        b2: 0.999,
        eps: 1e-8,
        wd: 0.05,
        warmup: 3,
        clip,
      });
      for (const [i, x] of got.entries()) expect(x).toBeCloseTo(want[i]!, 5);
      expect(opt.step).toBe(4);
      opt.dispose();
      a.dispose();
      b.dispose();
    });
  }

  it('uses lr·min(1, (step+1)/warmup) and the paper maze defaults', () => {
    const w = tf.variable(tf.zeros([2]));
    const opt = new AdamW([w]);
    expect(opt.options).toMatchObject({
      learningRate: 2e-4,
      beta1: 0.9,
      beta2: 0.999,
      weightDecay: 1e-4,
      warmupSteps: 100,
    });
    expect(opt.learningRateAt(0)).toBeCloseTo(2e-6, 15);
    expect(opt.learningRateAt(49)).toBeCloseTo(1e-4, 15);
    expect(opt.learningRateAt(99)).toBeCloseTo(2e-4, 15);
    expect(opt.learningRateAt(5000)).toBeCloseTo(2e-4, 15);
    opt.dispose();
    w.dispose();
  });

  it('multiplies warm-up by the lr decay tail: 1 up to startStep, linear to finalFactor at endStep, then flat', () => {
    const w = tf.variable(tf.zeros([2]));
    const lr = 0.1;
    const tail = new AdamW([w], {
      learningRate: lr,
      warmupSteps: 0,
      lrDecay: { startStep: 10, endStep: 20, finalFactor: 0.25 },
    });
    expect(tail.learningRateAt(0)).toBe(lr);
    expect(tail.learningRateAt(9)).toBe(lr);
    expect(tail.learningRateAt(10)).toBe(lr); // the factor starts falling after startStep
    expect(tail.learningRateAt(11)).toBeCloseTo(lr * (1 - 0.75 / 10), 15);
    expect(tail.learningRateAt(15)).toBeCloseTo(lr * (1 - 0.75 / 2), 15);
    expect(tail.learningRateAt(19)).toBeCloseTo(lr * (1 - 0.75 * 0.9), 15);
    expect(tail.learningRateAt(20)).toBeCloseTo(lr * 0.25, 15);
    expect(tail.learningRateAt(10_000)).toBeCloseTo(lr * 0.25, 15);
    // Overlapping warm-up and tail multiply; finalFactor 0 reaches exactly 0.
    const both = new AdamW([w], {
      learningRate: lr,
      warmupSteps: 4,
      lrDecay: { startStep: 0, endStep: 4, finalFactor: 0 },
    });
    expect(both.learningRateAt(0)).toBe(lr * 0.25);
    expect(both.learningRateAt(1)).toBeCloseTo(lr * 0.5 * 0.75, 15);
    expect(both.learningRateAt(3)).toBeCloseTo(lr * 1 * 0.25, 15);
    expect(both.learningRateAt(4)).toBe(0);
    // The default has no tail; an explicit undefined means none as well.
    const none = new AdamW([w], { warmupSteps: 0, lrDecay: undefined });
    expect(none.options.lrDecay).toBeNull();
    expect(none.learningRateAt(10 ** 6)).toBe(2e-4);
    for (const o of [tail, both, none]) o.dispose();
    w.dispose();
  });

  it('applies the decayed lr in its updates (float64 reference)', () => {
    const w = tf.variable(tf.tensor1d(theta));
    const decay = { start: 1, end: 3, final: 0.2 };
    const opt = new AdamW([w], {
      learningRate: 0.1,
      warmupSteps: 2,
      weightDecay: 0.05,
      lrDecay: { startStep: decay.start, endStep: decay.end, finalFactor: decay.final },
    });
    for (const g of grads) tf.tidy(() => opt.apply([tf.tensor1d(g)]));
    const want = referenceAdamW(theta, grads, {
      lr: 0.1,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      wd: 0.05,
      warmup: 2,
      clip: null,
      decay,
    });
    const without = referenceAdamW(theta, grads, {
      lr: 0.1,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      wd: 0.05,
      warmup: 2,
      clip: null,
    });
    for (const [i, x] of Array.from(w.dataSync()).entries()) expect(x).toBeCloseTo(want[i]!, 5);
    // The tail matters at this precision (else the check above could not tell it was applied).
    expect(Math.max(...want.map((x, i) => Math.abs(x - without[i]!)))).toBeGreaterThan(1e-3);
    opt.dispose();
    w.dispose();
  });

  it('returns the unclipped global gradient norm and keeps the tensor count flat', () => {
    const w = tf.variable(tf.ones([3]));
    const opt = new AdamW([w], { gradClipNorm: 1 });
    const g = tf.tensor1d([3, 4, 0]);
    const n0 = opt.apply([g]);
    expect(n0.dataSync()[0]).toBeCloseTo(5, 6);
    n0.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.apply([g]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
    opt.dispose();
    w.dispose();
  });

  it('round-trips its state, and a restored optimizer continues identically', async () => {
    const make = () => tf.variable(tf.tensor1d([1, -2, 3]));
    const w1 = make();
    const o1 = new AdamW([w1], { learningRate: 0.05, warmupSteps: 0 });
    const g = tf.tensor1d([0.3, -0.1, 0.2]);
    o1.apply([g]).dispose();
    const state = await o1.getState();
    const w2 = tf.variable(w1.clone());
    const o2 = new AdamW([w2], { learningRate: 0.05, warmupSteps: 0 });
    o2.setState(state);
    o1.apply([g]).dispose();
    o2.apply([g]).dispose();
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w1.dataSync()));
    expect(() => o2.setState({ step: 1, m: [new Float32Array(2)], v: [new Float32Array(2)] })).toThrow(
      ConfigError,
    );
    for (const t of [w1, w2, g]) t.dispose();
    o1.dispose();
    o2.dispose();
  });

  it('rejects bad hyperparameters, naming each', () => {
    const w = tf.variable(tf.zeros([1]));
    expect(() => new AdamW([w], { learningRate: -1, beta2: 1 })).toThrow(/learningRate[\s\S]*beta2/);
    const paths = (lrDecay: { startStep: number; endStep: number; finalFactor: number }) => {
      try {
        new AdamW([w], { lrDecay }).dispose();
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues.map((i) => i.path);
      }
    };
    expect(paths({ startStep: -1, endStep: 2.5, finalFactor: 1.5 })).toEqual([
      'lrDecay.startStep',
      'lrDecay.endStep',
      'lrDecay.finalFactor',
    ]);
    expect(paths({ startStep: 5, endStep: 5, finalFactor: 0.1 })).toEqual(['lrDecay.endStep']);
    expect(paths({ startStep: 0.5, endStep: 4, finalFactor: 0.1 })).toEqual(['lrDecay.startStep']);
    expect(paths({ startStep: 0, endStep: 4, finalFactor: Number.NaN })).toEqual(['lrDecay.finalFactor']);
    expect(paths({ startStep: 0, endStep: 4, finalFactor: -0.01 })).toEqual(['lrDecay.finalFactor']);
    // The boundaries themselves are valid.
    expect(paths({ startStep: 0, endStep: 1, finalFactor: 0 })).toEqual([]);
    expect(paths({ startStep: 3, endStep: 9, finalFactor: 1 })).toEqual([]);
    expect(() => new AdamW([w], { lrDecay: { startStep: 9, endStep: 3, finalFactor: 0.1 } })).toThrow(
      /lrDecay\.endStep: must be a whole number > startStep \(9\), got 3/,
    );
    w.dispose();
  });
});
