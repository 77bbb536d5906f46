import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createRng } from '../../src/math/rng.js';

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe('createRng', () => {
  it('reproduces the xoshiro128** reference outputs from state (1, 2, 3, 4)', () => {
    const rng = createRng(0);
    rng.setState([1, 2, 3, 4]);
    // First outputs of the reference C implementation for s = {1, 2, 3, 4}, read through uniform()·2³².
    const words = draw(6, () => rng.uniform() * 2 ** 32);
    expect(words).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = draw(20, createRng(42).uniform);
    expect(draw(20, createRng(42).uniform)).toEqual(a);
    expect(draw(20, createRng(43).uniform)).not.toEqual(a);
    expect(draw(20, createRng(2 ** 40).uniform)).not.toEqual(draw(20, createRng(0).uniform));
    expect(draw(20, createRng(-1).uniform)).not.toEqual(a);
  });

  it('resumes the exact stream after a getState/setState round trip (through JSON, as in a checkpoint)', () => {
    const rng = createRng(5);
    draw(7, rng.normal);
    const saved = JSON.parse(JSON.stringify(rng.getState())) as number[];
    const expected = [
      ...draw(5, rng.uniform),
      ...Array.from(rng.fillNormal(new Float32Array(9))),
      rng.int(17),
    ];
    const resumed = createRng(999);
    resumed.setState(saved);
    const actual = [
      ...draw(5, resumed.uniform),
      ...Array.from(resumed.fillNormal(new Float32Array(9))),
      resumed.int(17),
    ];
    expect(actual).toEqual(expected);
  });

  it('uniform lies in [0, 1) with mean ≈ 1/2', () => {
    const u = draw(20000, createRng(1).uniform);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    // SE of the mean = √(1/12/n) ≈ 0.002.
    expect(Math.abs(u.reduce((s, x) => s + x, 0) / u.length - 0.5)).toBeLessThan(0.01);
  });

  it('normal() and fillNormal() have mean ≈ 0 and std ≈ 1', () => {
    const rng = createRng(2);
    const n = 20000;
    for (const values of [draw(n, rng.normal), Array.from(rng.fillNormal(new Float32Array(n)))]) {
      const mean = values.reduce((s, x) => s + x, 0) / n;
      const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
      // SE of the mean ≈ 0.007, of the variance ≈ 0.01: 4σ bounds.
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(variance - 1)).toBeLessThan(0.04);
      // About 4.55% of N(0,1) lies beyond ±2.
      const tail = values.filter((x) => Math.abs(x) > 2).length / n;
      expect(Math.abs(tail - 0.0455)).toBeLessThan(0.008);
    }
  });

  it('fillNormal clamps to ±clip and handles odd lengths', () => {
    const out = createRng(3).fillNormal(new Float32Array(10001), 1);
    expect(Math.max(...out)).toBe(1);
    expect(Math.min(...out)).toBe(-1);
    expect(out[10000]).not.toBe(0);
    expect(() => createRng(3).fillNormal(new Float32Array(2), 0)).toThrow(ConfigError);
  });

  it('int(n) and fillUniformInt cover [0, n) evenly', () => {
    const rng = createRng(4);
    const counts = new Array(10).fill(0);
    const values = rng.fillUniformInt(new Int32Array(50000), 10);
    for (const v of values) counts[v]++;
    // Each bin expects 5000 with SD ≈ 67: 5σ bounds.
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(340);
    expect(rng.int(1)).toBe(0);
    const big = draw(1000, () => rng.int(2 ** 32));
    expect(big.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(() => rng.int(0)).toThrow(ConfigError);
    expect(() => rng.int(2.5)).toThrow(ConfigError);
    expect(() => rng.fillUniformInt(new Int32Array(3), 0)).toThrow(ConfigError);
  });

  it('shuffle permutes in place and is seed-deterministic', () => {
    const a = createRng(6).shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(createRng(6).shuffle(Array.from({ length: 50 }, (_, i) => i))).toEqual(a);
  });

  it('refuses non-integer seeds and malformed states', () => {
    expect(() => createRng(1.5)).toThrow(/whole number/);
    expect(() => createRng(Number.NaN)).toThrow(ConfigError);
    const rng = createRng(1);
    expect(() => rng.setState([0, 0, 0, 0])).toThrow(/not all zero/);
    expect(() => rng.setState([1, 2, 3])).toThrow(ConfigError);
    expect(() => rng.setState([1, 2, 3, 2 ** 32])).toThrow(ConfigError);
    expect(() => rng.setState([1, 2, 3, -1])).toThrow(ConfigError);
  });
});
