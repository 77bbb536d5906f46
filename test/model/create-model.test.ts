import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InputError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import {
  createModel,
  type DfModel,
  defaultActivation,
  levelFeatureTable,
  type ModelConfig,
  modelParameterCount,
  weightLayout,
} from '../../src/model/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyModel, tinyModelConfig } from '../helpers/make-tiny-model.js';

const D = 6; // tiny model token size: (2 + 1) × frame stack 2
const Z = 8;

function inputs(tCount: number, batch: number, seed: number) {
  const rng = createRng(seed);
  const x = new Float32Array(tCount * batch * D);
  rng.fillNormal(x);
  const levels = new Int32Array(tCount * batch);
  rng.fillUniformInt(levels, 1000);
  const obs = new Float32Array(batch * 2);
  rng.fillNormal(obs);
  return {
    x: tf.tensor3d(x, [tCount, batch, D]),
    levels: tf.tensor2d(levels, [tCount, batch], 'int32'),
    obs: tf.tensor2d(obs, [batch, 2]),
  };
}

function maxRelative(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

function lossOf(model: DfModel, x: tf.Tensor3D, levels: tf.Tensor2D, obs: tf.Tensor2D): () => tf.Scalar {
  return () => {
    const z0 = model.initialLatent(obs, obs.shape[0]);
    const { out, zLast } = model.rollout(z0, x, levels);
    return tf.add(tf.sum(tf.square(tf.sub(out, 0.25))), tf.sum(tf.mul(zLast, 0.1))) as tf.Scalar;
  };
}

describe('createModel', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('builds every weight of the layout, named and shaped as listed, deterministically per seed', () => {
    const a = makeTinyModel({}, { seed: 3 }).model;
    const b = makeTinyModel({}, { seed: 3 }).model;
    const c = makeTinyModel({}, { seed: 4 }).model;
    const layout = weightLayout(a.config);
    expect(a.weightNames).toEqual(layout.map((s) => s.name));
    a.variables.forEach((v, i) => {
      expect(v.shape).toEqual(layout[i]!.shape);
      // tf names are process-unique; the stable name is their suffix.
      expect(v.name.endsWith(`/${a.weightNames[i]}`)).toBe(true);
      expect(v.name).not.toBe(b.variables[i]!.name);
      expect(Array.from(v.dataSync())).toEqual(Array.from(b.variables[i]!.dataSync()));
      const bound = 1 / Math.sqrt(layout[i]!.fanIn);
      for (const value of v.dataSync()) expect(Math.abs(value)).toBeLessThanOrEqual(bound);
    });
    expect(a.parameterCount).toBe(modelParameterCount(a.config));
    expect(a.parameterCount).toBe(a.variables.reduce((n, v) => n + v.size, 0));
    expect(Array.from(a.variables[0]!.dataSync())).not.toEqual(Array.from(c.variables[0]!.dataSync()));
    for (const m of [a, b, c]) m.dispose();
  });

  it('fills in the default activation and records it in the config', () => {
    const { model } = makeTinyModel();
    expect(tinyModelConfig.activation).toBeUndefined();
    expect(model.config.activation).toBe(defaultActivation);
    model.dispose();
  });

  it('reports every bad config field at once', () => {
    const bad = { ...tinyModelConfig, latentSize: 0, mlpLayers: 1, levelEmbeddingSize: 7, objective: 'x1' };
    const error = (() => {
      try {
        createModel(bad as unknown as ModelConfig, 1);
      } catch (e) {
        return e;
      }
      return null;
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ['model.latentSize', 'model.levelEmbeddingSize', 'model.mlpLayers', 'model.objective'].sort(),
    );
  });

  it('level features are sin/cos of the raw level at frequencies exp(−i·ln(10000)/(E/2−1))', () => {
    const e = 8;
    const table = levelFeatureTable(1000, e);
    for (const k of [0, 1, 19, 999]) {
      for (let i = 0; i < e / 2; i++) {
        const f = 10000 ** (-i / (e / 2 - 1));
        expect(table[k * e + i]).toBeCloseTo(Math.sin(k * f), 6);
        expect(table[k * e + e / 2 + i]).toBeCloseTo(Math.cos(k * f), 6);
      }
    }
  });

  it('rollout equals step-by-step cell calls and is causal', () => {
    const { model } = makeTinyModel();
    tf.tidy(() => {
      const { x, levels, obs } = inputs(5, 3, 11);
      const z0 = model.initialLatent(obs, 3);
      const { out, zLast } = model.rollout(z0, x, levels);
      let z = z0;
      const xs = tf.unstack(x) as tf.Tensor2D[];
      const ls = tf.unstack(levels) as tf.Tensor1D[];
      const outs = tf.unstack(out);
      xs.forEach((xt, t) => {
        const step = model.step(z, xt, ls[t]!);
        expect(maxRelative(step.out, outs[t]!)).toBeLessThanOrEqual(1e-5);
        z = step.z;
      });
      expect(maxRelative(z, zLast)).toBeLessThanOrEqual(1e-5);
      // Changing token 2 leaves outputs 0–1 exactly as they were and changes 2–4.
      const changed = tf.concat([
        tf.slice(x, [0, 0, 0], [2, 3, D]),
        tf.add(tf.slice(x, [2, 0, 0], [3, 3, D]), 0.5),
      ]);
      const out2 = tf.unstack(model.rollout(z0, changed as tf.Tensor3D, levels).out);
      for (let t = 0; t < 5; t++) {
        const same = Array.from(out2[t]!.dataSync()).every((v, i) => v === outs[t]!.dataSync()[i]);
        expect(same).toBe(t < 2);
      }
    });
    model.dispose();
  });

  it('the level input matters', () => {
    const { model } = makeTinyModel();
    tf.tidy(() => {
      const { x, obs } = inputs(2, 2, 12);
      const z0 = model.initialLatent(obs, 2);
      const a = model.rollout(z0, x, tf.fill([2, 2], 19, 'int32') as tf.Tensor2D).out;
      const b = model.rollout(z0, x, tf.fill([2, 2], 979, 'int32') as tf.Tensor2D).out;
      expect(maxRelative(a, b)).toBeGreaterThan(1e-3);
    });
    model.dispose();
  });

  it.each(['elu', 'gelu'] as const)(
    'weight gradients (all %s layers, encoder included) match plain tfjs autodiff to 1e-5',
    (activation) => {
      const ours = makeTinyModel({ activation }, { seed: 5 }).model;
      const reference = makeTinyModel({ activation }, { seed: 5, linear: 'autodiff' }).model;
      tf.tidy(() => {
        const { x, levels, obs } = inputs(6, 4, 13);
        const a = tf.variableGrads(lossOf(ours, x, levels, obs), ours.variables as tf.Variable[]);
        const b = tf.variableGrads(lossOf(reference, x, levels, obs), reference.variables as tf.Variable[]);
        expect(maxRelative(a.value, b.value)).toBeLessThanOrEqual(1e-6);
        ours.variables.forEach((v, i) => {
          const difference = maxRelative(a.grads[v.name]!, b.grads[reference.variables[i]!.name]!);
          expect(difference, ours.weightNames[i]).toBeLessThanOrEqual(1e-5);
        });
      });
      ours.dispose();
      reference.dispose();
    },
  );

  it('frozen mode gives the same input gradient as train mode and no weight gradients', () => {
    const { model } = makeTinyModel({ initLatent: 'learned' });
    tf.tidy(() => {
      const { x, levels } = inputs(4, 2, 14);
      const dx = () =>
        tf.grad((xi: tf.Tensor) => {
          const { out } = model.rollout(model.initialLatent(null, 2), xi as tf.Tensor3D, levels);
          return tf.sum(tf.square(out));
        })(x);
      const trained = dx();
      model.setGradientMode('frozen');
      expect(model.gradientMode).toBe('frozen');
      const frozen = dx();
      expect(maxRelative(frozen, trained)).toBeLessThanOrEqual(1e-5);
      const weights = model.variables.filter((_, i) => model.weightNames[i] !== 'init.z') as tf.Variable[];
      expect(() =>
        tf.variableGrads(
          () => tf.sum(model.rollout(model.initialLatent(null, 2), x, levels).out) as tf.Scalar,
          weights,
        ),
      ).toThrow();
      model.setGradientMode('train');
    });
    model.dispose();
  });

  it('keeps the tensor count constant across training-style gradient evaluations', () => {
    const { model } = makeTinyModel();
    const { x, levels, obs } = inputs(5, 3, 15);
    const evaluate = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(lossOf(model, x, levels, obs), model.variables as tf.Variable[]);
        // An optimizer step changes the weights' storage, as training does.
        for (const v of model.variables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 1e-3)));
        model.weightsChanged();
      });
    evaluate();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) evaluate();
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([x, levels, obs]);
    model.dispose();
  });

  it('makes z₀ per init mode and explains a missing observation', () => {
    const encoder = makeTinyModel().model;
    const learned = makeTinyModel({ initLatent: 'learned' }).model;
    const zeros = makeTinyModel({ initLatent: 'zeros' }).model;
    tf.tidy(() => {
      expect(() => encoder.initialLatent(null, 2)).toThrow(InputError);
      expect(() => encoder.initialLatent(tf.zeros([2, 3]), 2)).toThrow(/expected \[2, 2\]/);
      expect(encoder.initialLatent(tf.ones([2, 2]), 2).shape).toEqual([2, Z]);
      expect(learned.weightNames).toContain('init.z');
      expect(Array.from(learned.initialLatent(null, 3).dataSync())).toEqual(new Array(3 * Z).fill(0));
      expect(zeros.weightNames.some((n) => n.startsWith('init.'))).toBe(false);
      expect(Array.from(zeros.initialLatent(null, 2).dataSync())).toEqual(new Array(2 * Z).fill(0));
    });
    for (const m of [encoder, learned, zeros]) m.dispose();
  });

  it('rejects misshapen inputs with the expected shape in the message', () => {
    const { model } = makeTinyModel();
    tf.tidy(() => {
      const z0 = tf.zeros([2, Z]) as tf.Tensor2D;
      expect(() =>
        model.rollout(z0, tf.zeros([3, 2, 5]) as tf.Tensor3D, tf.zeros([3, 2], 'int32') as tf.Tensor2D),
      ).toThrow(/\[T, B, 6\]/);
      expect(() =>
        model.rollout(z0, tf.zeros([3, 2, D]) as tf.Tensor3D, tf.zeros([2, 3], 'int32') as tf.Tensor2D),
      ).toThrow(/levels must be \[3, 2\]/);
    });
    model.dispose();
  });

  it('dispose frees every tensor the model owns', () => {
    const before = tf.memory().numTensors;
    const { model } = makeTinyModel();
    tf.tidy(() => {
      const { x, levels, obs } = inputs(2, 2, 16);
      tf.variableGrads(lossOf(model, x, levels, obs), model.variables as tf.Variable[]);
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.initialLatent(null, 1)).toThrow(/disposed/);
  });
});

/**
 * The network of docs/diffusion-forcing.md §3.1 written out plainly in float64 from the named weights, as an independent
 * check of the fast implementation (which batches, concatenates and folds layers).
 */
function referenceRollout(
  model: DfModel,
  obs: Float32Array,
  x: Float32Array,
  levels: Int32Array,
  tCount: number,
  batch: number,
): { out: Float64Array; z: Float64Array } {
  const config = model.config;
  const w = new Map(
    model.weightNames.map((n, i) => [n, { v: model.variables[i]!.dataSync(), s: model.variables[i]!.shape }]),
  );
  const get = (name: string) => w.get(name)!;
  const act = (v: number) =>
    config.activation === 'gelu'
      ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))
      : v > 0
        ? v
        : Math.expm1(v);
  const elu = (v: number) => (v > 0 ? v : Math.expm1(v));
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  /** y = Σ_parts part·W + b, for weights stored [in, out]. */
  const dense = (parts: [ArrayLike<number>, string][], bias: string | null): number[] => {
    const outSize = get(parts[0]![1]).s[1]!;
    const y = new Array<number>(outSize).fill(0);
    for (const [input, name] of parts) {
      const { v, s } = get(name);
      for (let i = 0; i < s[0]!; i++)
        for (let j = 0; j < outSize; j++) y[j]! += input[i]! * v[i * outSize + j]!;
    }
    if (bias !== null) {
      const b = get(bias).v;
      for (let j = 0; j < outSize; j++) y[j]! += b[j]!;
    }
    return y;
  };
  const e = config.levelEmbeddingSize;
  const table = levelFeatureTable(config.noise.levels, e);
  const blocks = config.mlpLayers - 2;
  const out = new Float64Array(tCount * batch * D);
  const zAll = new Float64Array(batch * Z);
  for (let b = 0; b < batch; b++) {
    const o = Array.from(obs.slice(b * 2, b * 2 + 2));
    let z = dense(
      [[dense([[dense([[o, 'init.w1']], 'init.b1').map(elu), 'init.w2']], 'init.b2').map(elu), 'init.w3']],
      'init.b3',
    );
    for (let t = 0; t < tCount; t++) {
      const token = (t * batch + b) * D;
      const xt = Array.from(x.slice(token, token + D));
      const k = levels[t * batch + b]!;
      const feat = Array.from(table.slice(k * e, (k + 1) * e));
      const emb = dense([[dense([[feat, 'level.w1']], 'level.b1').map(act), 'level.w2']], 'level.b2');
      const a = dense(
        [
          [z, 'pre.block0.w1z'],
          [xt, 'pre.block0.w1x'],
          [emb, 'pre.block0.w1e'],
        ],
        'pre.block0.b1',
      ).map(act);
      const s = dense(
        [
          [z, 'pre.block0.wsz'],
          [xt, 'pre.block0.wsx'],
          [emb, 'pre.block0.wse'],
        ],
        'pre.block0.bs',
      );
      let h = dense([[a, 'pre.block0.w2']], 'pre.block0.b2').map((v, j) => act(v + s[j]!));
      const resBlock = (input: number[], prefix: string) =>
        dense(
          [[dense([[input, `${prefix}.w1`]], `${prefix}.b1`).map(act), `${prefix}.w2`]],
          `${prefix}.b2`,
        ).map((v, j) => act(v + input[j]!));
      for (let i = 1; i <= blocks; i++) h = resBlock(h, `pre.block${i}`);
      const hz = dense([[h, 'pre.out.w']], 'pre.out.b');
      const gi = dense([[hz, 'gru.wih']], 'gru.bih');
      const gh = dense([[z, 'gru.whh']], 'gru.bhh');
      const g = z.map((zj, j) => {
        const r = sigmoid(gi[j]! + gh[j]!);
        const u = sigmoid(gi[Z + j]! + gh[Z + j]!);
        const n = Math.tanh(gi[2 * Z + j]! + r * gh[2 * Z + j]!);
        return (1 - u) * n + u * zj;
      });
      const a2 = dense([[g, 'post.block0.w1']], 'post.block0.b1').map(act);
      const skip = w.has('post.block0.ws') ? dense([[g, 'post.block0.ws']], 'post.block0.bs') : g;
      let p = dense([[a2, 'post.block0.w2']], 'post.block0.b2').map((v, j) => act(v + skip[j]!));
      for (let i = 1; i <= blocks; i++) p = resBlock(p, `post.block${i}`);
      z = dense([[p, 'post.out.w']], 'post.out.b');
      out.set(dense([[z, 'head.w']], 'head.b'), token);
    }
    zAll.set(z, b * Z);
  }
  return { out, z: zAll };
}

describe('the fast network equals the plain network of docs/diffusion-forcing.md §3.1', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it.each(['elu', 'gelu'] as const)(
    '%s: outputs and final latent agree with a float64 reference',
    (activation) => {
      const { model } = makeTinyModel({ activation }, { seed: 21 });
      const { x, levels, obs } = inputs(4, 3, 22);
      const ours = tf.tidy(() => {
        const r = model.rollout(model.initialLatent(obs, 3), x, levels);
        return { out: Array.from(r.out.dataSync()), z: Array.from(r.zLast.dataSync()) };
      });
      const ref = referenceRollout(
        model,
        obs.dataSync() as Float32Array,
        x.dataSync() as Float32Array,
        levels.dataSync() as Int32Array,
        4,
        3,
      );
      const worst = (a: number[], b: Float64Array) =>
        a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0) /
        b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(worst(ours.out, ref.out)).toBeLessThanOrEqual(1e-5);
      expect(worst(ours.z, ref.z)).toBeLessThanOrEqual(1e-5);
      tf.dispose([x, levels, obs]);
      model.dispose();
    },
  );
});
