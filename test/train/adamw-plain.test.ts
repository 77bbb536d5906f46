/**
 * AdamW.applyPlain (Float32Array form, the plain training engine's) against AdamW.apply (tfjs ops) on the same
 * weights and gradients: bit for bit without clipping, on the wasm backend (what training runs on) and on cpu;
 * within float32 rounding of the norm with a clip; and a run that switches forms midway (and through a
 * getState/setState round trip) equals a run in one form.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createRng } from '../../src/math/index.js';
import { initBackend } from '../../src/tensor/index.js';
import { AdamW, type AdamWOptions } from '../../src/train/adamw.js';

const shapes = [[7, 5], [5], [33]];
const rng = createRng(11);
const start = shapes.map((s) => rng.fillNormal(new Float32Array(s.reduce((a, b) => a * b, 1))));
const gradSteps = Array.from({ length: 6 }, () =>
  start.map((w) => rng.fillNormal(new Float32Array(w.length)).map((g, i) => g * (i % 4 === 0 ? 1e-3 : 0.3))),
);

function run(forms: ('tfjs' | 'plain')[], options: Partial<AdamWOptions>, restoreAt = -1) {
  const vars = start.map((w, i) => tf.variable(tf.tensor(w, shapes[i]!)));
  let opt = new AdamW(vars, options);
  const values = start.map((w) => Float32Array.from(w));
  const norms: number[] = [];
  return (async () => {
    for (const [k, form] of forms.entries()) {
      if (k === restoreAt) {
        const state = await opt.getState();
        opt.dispose();
        opt = new AdamW(vars, options);
        opt.setState(state);
      }
      const grads = gradSteps[k]!;
      if (form === 'tfjs') {
        const norm = tf.tidy(() => opt.apply(grads.map((g, i) => tf.tensor(g, shapes[i]!))));
        norms.push(norm.dataSync()[0]!);
        norm.dispose();
        for (const [i, v] of vars.entries()) values[i]!.set(v.dataSync() as Float32Array);
      } else {
        norms.push(opt.applyPlain(values, grads));
      }
    }
    const weights = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    const state = await opt.getState();
    opt.dispose();
    for (const v of vars) v.dispose();
    return { weights, values, state, norms };
  })();
}

const base: Partial<AdamWOptions> = { learningRate: 3e-3, warmupSteps: 3, weightDecay: 0.01 };

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`AdamW.applyPlain on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ requested: backend, logger: silentLogger });
    });

    it('equals apply bit for bit (weights, variables, moments) without a clip', async () => {
      const all = Array<'tfjs' | 'plain'>(6);
      const a = await run(all.fill('tfjs'), {
        ...base,
        lrDecay: { startStep: 2, endStep: 5, finalFactor: 0.2 },
      });
      const b = await run([...all].fill('plain'), {
        ...base,
        lrDecay: { startStep: 2, endStep: 5, finalFactor: 0.2 },
      });
      for (let i = 0; i < start.length; i++) {
        expect(b.weights[i]).toEqual(a.weights[i]);
        expect(b.values[i]).toEqual(a.weights[i]);
        expect(b.state.m[i]).toEqual(a.state.m[i]);
        expect(b.state.v[i]).toEqual(a.state.v[i]);
      }
      expect(b.state.step).toBe(6);
      for (let k = 0; k < 6; k++) expect(b.norms[k]).toBeCloseTo(a.norms[k]!, 5);
    });

    it('switching forms midway and restoring state equals one form throughout', async () => {
      const a = await run(Array(6).fill('tfjs'), base);
      const b = await run(['plain', 'plain', 'tfjs', 'plain', 'tfjs', 'plain'], base, 4);
      for (let i = 0; i < start.length; i++) {
        expect(b.weights[i]).toEqual(a.weights[i]);
        expect(b.state.m[i]).toEqual(a.state.m[i]);
        expect(b.state.v[i]).toEqual(a.state.v[i]);
      }
    });

    it('with a clip, agrees to float32 rounding of the norm', async () => {
      const opts = { ...base, gradClipNorm: 0.5 };
      const a = await run(Array(6).fill('tfjs'), opts);
      const b = await run(Array(6).fill('plain'), opts);
      for (let i = 0; i < start.length; i++) {
        for (let j = 0; j < a.weights[i]!.length; j++)
          expect(Math.abs(b.weights[i]![j]! - a.weights[i]![j]!)).toBeLessThan(1e-6);
      }
    });
  });
}
