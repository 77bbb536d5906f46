import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createRng } from '../../src/math/rng.js';
import { oscillatorTrainingTask, tokenSize } from '../../src/tasks/index.js';
import {
  defaultOscillatorOptions,
  oscillatorDataset,
  oscillatorNormalization,
  velocityConsistency,
} from '../../src/tasks/oscillator.js';
import { sequenceStats } from '../../src/train/sequence-stats.js';

describe('oscillator task', () => {
  it('has the exact normalisation of its own data (large-sample check)', () => {
    const data = oscillatorDataset();
    const n = defaultOscillatorOptions.referenceSteps;
    const batch = 20_000;
    const raw = data.sampleSteps(batch, n, createRng(1));
    // Drop step 0: the statistics are defined over steps 1 … referenceSteps.
    const steps = new Float32Array(batch * n * 4);
    for (let b = 0; b < batch; b++)
      steps.set(raw.subarray((b * (n + 1) + 1) * 4, (b + 1) * (n + 1) * 4), b * n * 4);
    const stats = sequenceStats(steps, batch, 4);
    for (let j = 0; j < 4; j++) {
      const std = data.normalization.std[j]!;
      // 20k independent windows: the mean's standard error is ≈ std/√20000 ≈ 0.007·std (windows are the unit).
      expect(Math.abs(stats.mean[j]!)).toBeLessThan(0.03 * std);
      expect(stats.std[j]! / std).toBeGreaterThan(0.99);
      expect(stats.std[j]! / std).toBeLessThan(1.01);
    }
    expect(data.normalization.mean).toEqual([0, 0, 0, 0]);
  });

  it('matches closed-form moments in the undamped, fixed-parameter limit', () => {
    // ζ = 0, ω and A fixed: E[p²] = A²/2, E[v²] = A²ω²/2 exactly.
    const norm = oscillatorNormalization({ damping: [0, 0], frequency: [2, 2], amplitude: [1.5, 1.5] });
    expect(norm.std[0]).toBeCloseTo(1.5 / Math.SQRT2, 12);
    expect(norm.std[2]).toBeCloseTo((1.5 * 2) / Math.SQRT2, 12);
  });

  it('generates velocities that are the derivative of the positions', () => {
    const data = oscillatorDataset();
    const raw = data.sampleSteps(64, 40, createRng(2));
    const score = velocityConsistency(raw, 64, defaultOscillatorOptions.dt);
    // Trapezoid error of a sinusoid: ≈ (ω·dt)²/12 ≤ 0.3²/12 = 0.0075.
    expect(score).toBeLessThan(0.01);
    // A shuffled pairing of positions and velocities scores ≈ 1 or more: the statistic can fail.
    const shuffled = Float32Array.from(raw);
    const other = data.sampleSteps(64, 40, createRng(3));
    for (let i = 0; i < shuffled.length; i += 4) {
      shuffled[i + 2] = other[i + 2]!;
      shuffled[i + 3] = other[i + 3]!;
    }
    expect(velocityConsistency(shuffled, 64, defaultOscillatorOptions.dt)).toBeGreaterThan(0.5);
  });

  it('packs frame-stacked, normalised, time-major tokens and the first observation', () => {
    const data = oscillatorDataset({ frameStack: 3 });
    const tokens = 5;
    const batch = 4;
    const b1 = data.sampleBatch(batch, tokens, createRng(7));
    const raw = data.sampleSteps(batch, tokens * 3, createRng(7));
    const d = tokenSize(data.layout);
    expect(d).toBe(12);
    expect(b1.x0.length).toBe(tokens * batch * d);
    expect(b1.mask).toEqual(new Float32Array(tokens * batch).fill(1));
    const std = data.normalization.std;
    const n = tokens * 3;
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < 4; j++) {
        expect(b1.firstObservation![b * 4 + j]).toBeCloseTo(raw[b * (n + 1) * 4 + j]! / std[j]!, 5);
      }
      for (let t = 0; t < tokens; t++) {
        for (let f = 0; f < 3; f++) {
          for (let j = 0; j < 4; j++) {
            const expected = raw[(b * (n + 1) + 1 + t * 3 + f) * 4 + j]! / std[j]!;
            expect(b1.x0[(t * batch + b) * d + f * 4 + j]).toBeCloseTo(expected, 5);
          }
        }
      }
    }
    // Same seed, same batch; another seed, another batch.
    expect(data.sampleBatch(batch, tokens, createRng(7)).x0).toEqual(b1.x0);
    expect(data.sampleBatch(batch, tokens, createRng(8)).x0).not.toEqual(b1.x0);
  });

  it('rejects bad options with the field named', () => {
    expect(() => oscillatorDataset({ frameStack: 0 })).toThrow(ConfigError);
    expect(() => oscillatorDataset({ frequency: [3, 1] })).toThrow(/oscillator\.frequency/);
    expect(() => oscillatorDataset().sampleBatch(2, 0, createRng(1))).toThrow(/tokens/);
  });
});

describe('oscillator training task', () => {
  it('builds the dataset with the requested frame stack', () => {
    const data = oscillatorTrainingTask.createDataset({ frameStack: 4 });
    expect(data.layout.frameStack).toBe(4);
    expect(data.id).toMatch(/^oscillator-v1\/F4\//);
    expect(oscillatorTrainingTask.layout(4)).toEqual(data.layout);
    expect(tokenSize(oscillatorTrainingTask.layout())).toBe(16);
  });

  it('refuses a data file', () => {
    expect(() => oscillatorTrainingTask.createDataset({ dataFile: 'x.bin' })).toThrow(/reads no data file/);
  });
});
