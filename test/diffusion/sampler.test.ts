import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate, sample } from '../../src/diffusion/index.js';
import { ConfigError, InputError, ScheduleError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import {
  ddimLevels,
  noiseSchedule,
  type ScheduleMode,
  type SchedulingMatrix,
  schedulingMatrix,
} from '../../src/math/index.js';
import type { Objective } from '../../src/model/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { makeTinyModel } from '../helpers/make-tiny-model.js';
import { ClosedFormModel, tokenDim as D, target } from './closed-form-model.js';

const schedule = noiseSchedule('linear', 1000);
const B = 2;
const S = 10;
const H = 4;

/** Real level of a matrix level (S = 999 … 0 = −1), from the DDIM table. */
function realLevel(n: number, steps: number): number {
  return ddimLevels(steps, 1000)[steps - n]!;
}

function expectTokensOnTarget(tokens: tf.Tensor3D, firstPosition: number, tolerance: number): void {
  const values = tokens.dataSync();
  const [h, b, d] = tokens.shape;
  for (let t = 0; t < h; t++) {
    for (let j = 0; j < b; j++) {
      for (let k = 0; k < d; k++) {
        expect(Math.abs(values[(t * b + j) * d + k]! - target(firstPosition + t, j, k))).toBeLessThanOrEqual(
          tolerance,
        );
      }
    }
  }
}

function run(
  model: ClosedFormModel,
  matrix: SchedulingMatrix,
  options: Partial<Parameters<typeof sample>[2]> = {},
) {
  const z0 = tf.zeros([B, 2]) as tf.Tensor2D;
  const result = sample(model, schedule, { z0, matrix, seed: 1, ...options });
  z0.dispose();
  return result;
}

describe('sample (Algorithm 2) with a closed-form model', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  const cases: [ScheduleMode, Objective][] = [
    ['pyramid', 'x0'],
    ['full_sequence', 'x0'],
    ['autoregressive', 'x0'],
    ['trapezoid', 'x0'],
    ['pyramid', 'eps'],
    ['pyramid', 'v'],
  ];

  it.each(cases)('%s / %s: lands on the clean tokens with the right level bookkeeping', (mode, objective) => {
    const model = new ClosedFormModel(objective, schedule);
    const matrix = schedulingMatrix({ mode, steps: S, horizon: H });
    const rows = matrix.rows;
    const { tokens, zFinal } = run(model, matrix);
    expectTokensOnTarget(tokens, 0, objective === 'x0' ? 1e-6 : 2e-4);

    // One rollout per transition plus the extra pass; every rollout covers all H tokens from z₀.
    expect(model.calls).toHaveLength(rows.length);
    expect(model.cellCalls).toBe(rows.length * H);
    const stab = realLevel(1, S); // last noisy DDIM level (99 for S = 10)
    rows.slice(0, -1).forEach((row, m) => {
      const call = model.calls[m]!;
      expect(call.positions).toEqual([0, 1, 2, 3]);
      row.forEach((n, t) => {
        const expected = n === 0 ? stab : realLevel(n, S);
        for (let b = 0; b < B; b++) expect(call.labels[t * B + b], `row ${m} token ${t}`).toBe(expected);
      });
    });
    expect(Array.from(model.calls[rows.length - 1]!.labels)).toEqual(new Array(H * B).fill(stab));
    expect(Array.from(zFinal!.dataSync())).toEqual([H, expect.any(Number), H, expect.any(Number)]);

    // Tokens that keep their level are copied: noise stays the same noise, clean stays clean.
    const tokenInput = (m: number, t: number) => model.calls[m]!.inputs.slice(t * B * D, (t + 1) * B * D);
    const initial = (t: number) => tokenInput(0, t);
    for (let m = 0; m + 1 < rows.length; m++) {
      for (let t = 0; t < H; t++) {
        const n = rows[m]![t]!;
        if (n === S) expect(Array.from(tokenInput(m, t))).toEqual(Array.from(initial(t)));
        if (n === 0 && objective === 'x0') {
          const clean = Array.from({ length: B * D }, (_, i) =>
            Math.fround(target(t, Math.floor(i / D), i % D)),
          );
          expect(Array.from(tokenInput(m, t))).toEqual(clean);
        }
        // η = 0 keeps the first ε estimate: x at level τ = √ᾱ_τ·x₀ + √(1−ᾱ_τ)·ε̂₁.
        if (n > 0 && n < S && objective === 'x0') {
          const k = realLevel(n, S);
          const a999 = schedule.sqrtAlphaBar[999]!;
          const s999 = schedule.sqrtOneMinusAlphaBar[999]!;
          tokenInput(m, t).forEach((value, i) => {
            const clean = target(t, Math.floor(i / D), i % D);
            const eps = (initial(t)[i]! - a999 * clean) / s999;
            const expected = schedule.sqrtAlphaBar[k]! * clean + schedule.sqrtOneMinusAlphaBar[k]! * eps;
            expect(Math.abs(value - expected)).toBeLessThanOrEqual(1e-4);
          });
        }
      }
    }
    tf.dispose([tokens, zFinal!]);
  });

  it('with η = 1 still ends on the clean tokens, along a seed-dependent path', () => {
    const matrix = schedulingMatrix({ mode: 'pyramid', steps: S, horizon: H });
    const a = new ClosedFormModel('x0', schedule);
    const b = new ClosedFormModel('x0', schedule);
    const ra = run(a, matrix, { eta: 1, seed: 1 });
    const rb = run(b, matrix, { eta: 1, seed: 2 });
    expectTokensOnTarget(ra.tokens, 0, 1e-6);
    expectTokensOnTarget(rb.tokens, 0, 1e-6);
    expect(Array.from(a.calls[3]!.inputs)).not.toEqual(Array.from(b.calls[3]!.inputs));
    tf.dispose([ra.tokens, rb.tokens, ra.zFinal!, rb.zFinal!]);
  });

  it('feeds finished tokens at the stabilisation level: label, scale or fresh noise', () => {
    const matrix = schedulingMatrix({ mode: 'autoregressive', steps: S, horizon: 3 });
    const last = matrix.rows.length - 1;
    const sumOfTargets = (b: number) => {
      let sum = 0;
      for (let t = 0; t < 3; t++) for (let d = 0; d < D; d++) sum += target(t, b, d);
      return sum;
    };
    // 'label' at a custom level: the clean value itself, labelled 99 → zFinal sums the clean tokens.
    const labelled = new ClosedFormModel('x0', schedule);
    const r1 = run(labelled, matrix, { stabilization: { level: 99, mode: 'label' } });
    expect(Array.from(labelled.calls[last]!.labels)).toEqual(new Array(3 * B).fill(99));
    const z1 = r1.zFinal!.dataSync();
    expect(z1[1]).toBeCloseTo(sumOfTargets(0), 4);
    expect(z1[3]).toBeCloseTo(sumOfTargets(1), 4);
    // 'scale': √ᾱ_s·x at the default level (99 for S = 10).
    const scaled = new ClosedFormModel('x0', schedule);
    const r2 = run(scaled, matrix, { stabilization: { mode: 'scale' } });
    const a = schedule.sqrtAlphaBar[99]!;
    const z2 = r2.zFinal!.dataSync();
    expect(z2[1]).toBeCloseTo(a * sumOfTargets(0), 4);
    // 'noise': √ᾱ_s·x + √(1−ᾱ_s)·w with fresh unit noise.
    const noisy = new ClosedFormModel('x0', schedule);
    const r3 = run(noisy, matrix, { stabilization: { mode: 'noise' } });
    const inputs = noisy.calls[last]!.inputs;
    const w = Array.from(inputs, (v, i) => {
      const t = Math.floor(i / (B * D));
      const b = Math.floor(i / D) % B;
      return (v - a * target(t, b, i % D)) / schedule.sqrtOneMinusAlphaBar[99]!;
    });
    const mean = w.reduce((x, y) => x + y, 0) / w.length;
    const std = Math.sqrt(w.reduce((x, y) => x + (y - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.6);
    expect(std).toBeGreaterThan(0.5);
    expect(std).toBeLessThan(1.6);
    // The generated tokens themselves stay clean in every mode.
    for (const r of [r1, r2, r3]) expectTokensOnTarget(r.tokens, 0, 1e-6);
    tf.dispose([r1.tokens, r2.tokens, r3.tokens, r1.zFinal!, r2.zFinal!, r3.zFinal!]);
  });

  it('skips the extra pass when no final latent is wanted', () => {
    const model = new ClosedFormModel('x0', schedule);
    const matrix = schedulingMatrix({ mode: 'pyramid', steps: S, horizon: H });
    const { tokens, zFinal } = run(model, matrix, { finalLatent: false });
    expect(zFinal).toBeNull();
    expect(model.cellCalls).toBe((matrix.rows.length - 1) * H);
    tokens.dispose();
  });

  it('keeps the tensor count constant across repeated calls', () => {
    const model = new ClosedFormModel('eps', schedule);
    const matrix = schedulingMatrix({ mode: 'pyramid', steps: S, horizon: H });
    const once = () => {
      const r = run(model, matrix, { eta: 0.5, stabilization: { mode: 'noise' } });
      tf.dispose([r.tokens, r.zFinal!]);
    };
    once();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(count);
  });

  it('rejects a rising custom matrix, a misshapen z₀ and a foreign schedule', () => {
    const model = new ClosedFormModel('x0', schedule);
    const z0 = tf.zeros([B, 2]) as tf.Tensor2D;
    const rising: SchedulingMatrix = {
      mode: 'custom',
      steps: 2,
      horizon: 2,
      rows: [
        [2, 2],
        [1, 2],
        [2, 1],
        [0, 0],
      ],
    };
    expect(() => sample(model, schedule, { z0, matrix: rising })).toThrow(ScheduleError);
    const matrix = schedulingMatrix({ mode: 'pyramid', steps: 2, horizon: 2 });
    const bad = tf.zeros([B, 3]) as tf.Tensor2D;
    expect(() => sample(model, schedule, { z0: bad, matrix })).toThrow(InputError);
    expect(() => sample(model, noiseSchedule('cosine', 1000), { z0, matrix })).toThrow(ConfigError);
    expect(() => sample(model, schedule, { z0, matrix, eta: 2 })).toThrow(ConfigError);
    tf.dispose([z0, bad]);
  });
});

describe('generate (chunked rollouts)', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('chains chunks through zFinal so positions continue past one chunk', () => {
    const model = new ClosedFormModel('x0', schedule);
    const z0 = tf.zeros([B, 2]) as tf.Tensor2D;
    const { tokens, zFinal } = generate(model, schedule, {
      z0,
      totalTokens: 7,
      chunkTokens: 3,
      scheduling: { mode: 'autoregressive', steps: 5 },
      seed: 3,
    });
    expect(tokens.shape).toEqual([7, B, D]);
    expectTokensOnTarget(tokens, 0, 1e-6);
    expect(zFinal.dataSync()[0]).toBe(7);
    // Chunks of 3, 3 and 1 tokens: each chunk's rollouts start where the previous chunk ended.
    const starts = [...new Set(model.calls.map((c) => c.positions[0]))];
    expect(starts).toEqual([0, 3, 6]);
    const rows = (h: number) =>
      schedulingMatrix({ mode: 'autoregressive', steps: 5, horizon: h }).rows.length;
    expect(model.cellCalls).toBe(2 * rows(3) * 3 + rows(1) * 1);
    tf.dispose([z0, tokens, zFinal]);
  });
});

describe('sample and generate with a real (untrained) model', () => {
  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
  });

  it('produce finite tokens reproducibly and leak nothing', () => {
    const { model } = makeTinyModel();
    const matrix = schedulingMatrix({ mode: 'pyramid', steps: 5, horizon: 3 });
    const once = (seed: number) =>
      tf.tidy(() => {
        const z0 = model.initialLatent(tf.zeros([B, 2]), B);
        const r = sample(model, schedule, { z0, matrix, seed, stabilization: { mode: 'scale' } });
        const g = generate(model, schedule, {
          z0,
          totalTokens: 4,
          chunkTokens: 2,
          scheduling: { mode: 'pyramid', steps: 5 },
          seed,
        });
        return [Array.from(r.tokens.dataSync()), Array.from(g.tokens.dataSync())];
      });
    const [a, ga] = once(1);
    expect(a!.every(Number.isFinite)).toBe(true);
    expect(ga!).toHaveLength(4 * B * D);
    const count = tf.memory().numTensors;
    const [b] = once(1);
    const [c] = once(2);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(tf.memory().numTensors).toBe(count);
    model.dispose();
  });
});
