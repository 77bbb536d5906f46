/**
 * The Float32Array network against the tfjs model on the same weights (wasm backend): forward outputs and
 * the last latent, and input gradients of a scalar Σ w·out through the latent chain against tf.grad of
 * model.rollout in frozen mode, for both dense kernels ('simd': WebAssembly f32x4, float32 sums; 'js': float64
 * sums). Tolerance 1e-5 relative: float32 weights and activations on both sides with different sum orders
 * (measured 1e-7 … 1e-6).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mazeTokenLayout } from '../../sim/maze2d/training-task.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import { type Activation, createModel, type DfModel, type ModelConfig } from '../../src/model/index.js';
import { PlainNetwork, plainNetworkFor } from '../../src/model/plain-network.js';
import { type KernelKind, simdAvailable } from '../../src/model/plain-network-kernels.js';
import { tokenSize } from '../../src/tasks/token-layout.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyModel } from '../helpers/make-tiny-model.js';
import { GaussianPriorModel } from '../planner/planner-fixtures.js';

/** The maze training architecture (runs/train-medium.log): z 96, hidden 96, 2 MLP layers, F = 10 → D = 70. */
const mazeConfig: ModelConfig = {
  layout: mazeTokenLayout(10),
  normalization: { mean: [0, 0, 0, 1, 1, 0, 0], std: [2, 2, 1, 1, 1, 1, 1] },
  latentSize: 96,
  hiddenWidth: 96,
  mlpLayers: 2,
  levelEmbeddingSize: 16,
  initEncoderWidth: 64,
  initLatent: 'encoder',
  noise: { schedule: 'linear', levels: 1000 },
  objective: 'x0',
};

interface Case {
  readonly z0: Float32Array;
  readonly x: Float32Array;
  readonly levels: Int32Array;
  /** Weights of the scalar L = Σ w·out. */
  readonly w: Float32Array;
}

/** Random inputs; levels span 0 … 999 with every third token at a finished-token label (19). */
function makeCase(model: DfModel, tCount: number, batch: number, seed: number): Case {
  const rng = createRng(seed);
  const d = tokenSize(model.config.layout);
  const z0 = rng.fillNormal(new Float32Array(batch * model.config.latentSize));
  const x = rng.fillNormal(new Float32Array(tCount * batch * d));
  const levels = new Int32Array(tCount * batch);
  rng.fillUniformInt(levels, model.config.noise.levels);
  for (let t = 0; t < tCount; t += 3) levels.fill(19, t * batch, (t + 1) * batch);
  const w = rng.fillNormal(new Float32Array(tCount * batch * d));
  return { z0, x, levels, w };
}

function tfRollout(model: DfModel, c: Case, tCount: number, batch: number) {
  const d = tokenSize(model.config.layout);
  return tf.tidy(() => {
    const { out, zLast } = model.rollout(
      tf.tensor2d(c.z0, [batch, model.config.latentSize]),
      tf.tensor3d(c.x, [tCount, batch, d]),
      tf.tensor2d(c.levels, [tCount, batch], 'int32'),
    );
    return { out: out.dataSync() as Float32Array, zLast: zLast.dataSync() as Float32Array };
  });
}

/** ∂(Σ w·out)/∂x through model.rollout, frozen weights. */
function tfInputGradient(model: DfModel, c: Case, tCount: number, batch: number): Float32Array {
  const d = tokenSize(model.config.layout);
  const mode = model.gradientMode;
  model.setGradientMode('frozen');
  try {
    return tf.tidy(() => {
      const z0 = tf.tensor2d(c.z0, [batch, model.config.latentSize]);
      const levels = tf.tensor2d(c.levels, [tCount, batch], 'int32');
      const w = tf.tensor3d(c.w, [tCount, batch, d]);
      const grad = tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(w, model.rollout(z0, x as tf.Tensor3D, levels).out)),
      )(tf.tensor3d(c.x, [tCount, batch, d]));
      return grad.dataSync() as Float32Array;
    });
  } finally {
    model.setGradientMode(mode);
  }
}

/** max |a − b| / max |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

function checkAgainstTfjs(
  model: DfModel,
  kernels: KernelKind,
  tCount: number,
  batch: number,
  seed: number,
  tolerance: number,
) {
  const net = PlainNetwork.fromModel(model, { kernels });
  expect(net.kernels).toBe(kernels);
  const c = makeCase(model, tCount, batch, seed);
  const reference = tfRollout(model, c, tCount, batch);
  const forward = net.forwardChain(c.z0, c.x, c.levels);
  const outError = relativeError(forward.out, reference.out);
  const zError = relativeError(forward.zLast, reference.zLast);
  const dX = net.backwardInputs(forward.tape!, c.w).slice();
  const gradError = relativeError(dX, tfInputGradient(model, c, tCount, batch));
  const plainOnly = net.forward(c.z0, c.x, c.levels);
  expect(plainOnly.tape).toBeNull();
  expect(relativeError(plainOnly.out, reference.out)).toBe(outError);
  expect(outError).toBeLessThan(tolerance);
  expect(zError).toBeLessThan(tolerance);
  expect(gradError).toBeLessThan(tolerance);
  return { outError, zError, gradError };
}

describe('PlainNetwork', () => {
  const models: DfModel[] = [];
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });
  afterAll(() => {
    for (const m of models) m.dispose();
  });
  const keep = (m: DfModel): DfModel => {
    models.push(m);
    return m;
  };

  it('WebAssembly SIMD is available on this Node (the default kernels)', () => {
    expect(simdAvailable()).toBe(true);
    const { model } = makeTinyModel();
    keep(model);
    expect(PlainNetwork.fromModel(model).kernels).toBe('simd');
  });

  for (const kernels of ['simd', 'js'] as const) {
    for (const activation of ['elu', 'relu', 'silu', 'gelu'] as Activation[]) {
      it(`${kernels}: tiny model (z ≠ Hd, 3 MLP layers), ${activation}: outputs, z_T, input gradients match tfjs`, () => {
        const { model } = makeTinyModel({ activation }, { seed: 5 });
        keep(model);
        for (const batch of [1, 4]) checkAgainstTfjs(model, kernels, 7, batch, 11 + batch, 1e-5);
      });
    }

    for (const batch of [1, 4]) {
      it(`${kernels}: maze-sized model (z = Hd = 96, D = 70), B = ${batch}: outputs, z_T, input gradients match tfjs`, () => {
        const model = keep(createModel(mazeConfig, 7));
        checkAgainstTfjs(model, kernels, 12, batch, 20 + batch, 1e-5);
      });
    }
  }

  it('a single token (T = 1) and reuse with growing and shrinking sizes give the same results', () => {
    const { model } = makeTinyModel({}, { seed: 2 });
    keep(model);
    const net = PlainNetwork.fromModel(model);
    const small = makeCase(model, 1, 1, 3);
    const first = net.forward(small.z0, small.x, small.levels).out.slice();
    checkAgainstTfjs(model, 'simd', 1, 2, 4, 1e-5);
    const big = makeCase(model, 9, 6, 5);
    net.forwardChain(big.z0, big.x, big.levels);
    expect(net.forward(small.z0, small.x, small.levels).out).toEqual(first);
  });

  for (const kernels of ['simd', 'js'] as const) {
    it(`${kernels}: backwardInputs from token k equals the full backward from k on and is 0 before`, () => {
      const model = keep(createModel(mazeConfig, 8));
      const net = PlainNetwork.fromModel(model, { kernels });
      const tCount = 6;
      const batch = 3;
      const c = makeCase(model, tCount, batch, 31);
      const block = batch * tokenSize(model.config.layout);
      const full = net.backwardInputs(net.forwardChain(c.z0, c.x, c.levels).tape!, c.w).slice();
      for (const from of [2, tCount]) {
        const part = net.backwardInputs(net.forwardChain(c.z0, c.x, c.levels).tape!, c.w, from);
        expect(Array.from(part.subarray(from * block))).toEqual(Array.from(full.subarray(from * block)));
        expect(part.subarray(0, from * block).every((v) => v === 0)).toBe(true);
      }
    });
  }

  it('refuses a stale tape, bad sizes and levels outside 0 … K−1', () => {
    const { model } = makeTinyModel();
    keep(model);
    const net = PlainNetwork.fromModel(model);
    const c = makeCase(model, 3, 2, 1);
    const { tape } = net.forwardChain(c.z0, c.x, c.levels);
    net.forward(c.z0, c.x, c.levels);
    expect(() => net.backwardInputs(tape!, c.w)).toThrow(/stale/);
    const fresh = net.forwardChain(c.z0, c.x, c.levels);
    expect(() => net.backwardInputs(fresh.tape!, c.w.subarray(1))).toThrow(InputError);
    expect(() => net.forward(c.z0, c.x.subarray(1), c.levels)).toThrow(InputError);
    expect(() => net.forward(c.z0.subarray(1), c.x, c.levels)).toThrow(InputError);
    const bad = c.levels.slice();
    bad[4] = 1000;
    expect(() => net.forward(c.z0, c.x, bad)).toThrow(/levels\[4\] = 1000/);
    bad[4] = -1;
    expect(() => net.forward(c.z0, c.x, bad)).toThrow(InputError);
  });

  it('refuses an activation it does not implement, and a model without the network weights', () => {
    const { model } = makeTinyModel();
    keep(model);
    const odd = new Proxy(model, {
      get: (target, key) =>
        key === 'config' ? { ...target.config, activation: 'tanh' } : Reflect.get(target, key, target),
    });
    expect(() => PlainNetwork.fromModel(odd)).toThrow(ConfigError);
    expect(() => PlainNetwork.fromModel(odd)).toThrow(/tanh/);
    const prior = new GaussianPriorModel();
    try {
      expect(() => PlainNetwork.fromModel(prior)).toThrow(/level\.w1/);
    } finally {
      prior.dispose();
    }
  });

  it('plainNetworkFor caches per model and re-snapshots after the weights change', () => {
    const { model } = makeTinyModel({}, { seed: 9 });
    keep(model);
    const net = plainNetworkFor(model);
    expect(plainNetworkFor(model)).toBe(net);
    const c = makeCase(model, 4, 2, 6);
    const before = net.forward(c.z0, c.x, c.levels).out.slice();
    const index = model.weightNames.indexOf('head.b');
    const head = model.variables[index]!;
    tf.tidy(() => head.assign(tf.add(head, 0.5)));
    expect(net.stale).toBe(true);
    expect(plainNetworkFor(model)).toBe(net);
    expect(net.stale).toBe(false);
    const after = net.forward(c.z0, c.x, c.levels).out;
    for (let i = 0; i < after.length; i++) expect(after[i]! - before[i]!).toBeCloseTo(0.5, 5);
    expect(relativeError(after, tfRollout(model, c, 4, 2).out)).toBeLessThan(1e-5);
  });

  it('allocates no tensors', () => {
    const { model } = makeTinyModel();
    keep(model);
    const net = PlainNetwork.fromModel(model);
    const c = makeCase(model, 5, 3, 8);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { tape } = net.forwardChain(c.z0, c.x, c.levels);
      net.backwardInputs(tape!, c.w);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
