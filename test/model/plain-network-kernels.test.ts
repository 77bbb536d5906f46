/**
 * The dense kernels' transposed-left product (productAtB: the training engine's weight gradients Xᵀ·dY, formed
 * without a transposed copy, the SIMD one in chunks of rows and 4-row blocks) against a float64 reference, for
 * both kernel kinds and shapes that exercise every leftover path: output rows not a multiple of 4, columns not a
 * multiple of 4 or 16, more rows than one chunk, offsets into the arrays and accumulation.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/math/index.js';
import {
  jsKernels,
  type Kernels,
  simdAvailable,
  simdFloats,
  simdKernels,
} from '../../src/model/plain-network-kernels.js';

function reference(x: Float32Array, w: Float32Array, rows: number, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < n; i++) for (let o = 0; o < m; o++) out[i * m + o]! += x[r * n + i]! * w[r * m + o]!;
  return out;
}

const kinds: [string, () => Kernels][] = [['js', () => jsKernels()]];
if (simdAvailable()) kinds.push(['simd', () => simdKernels(simdFloats([4e5, 4e5, 4e5]))]);

describe.each(kinds)('%s kernels: productAtB', (_kind, make) => {
  const rng = createRng(4);
  it.each([
    [5, 3, 2],
    [37, 7, 9],
    [700, 13, 70],
    [1500, 96, 30],
    [600, 10, 300],
  ])('rows %i, n %i, m %i: xᵀ·w (and accumulated into y)', (rows, n, m) => {
    const k = make();
    const x = k.alloc(rows * n + 3);
    const w = k.alloc(rows * m + 5);
    const y = k.alloc(n * m + 2);
    const xs = rng.fillNormal(new Float32Array(rows * n));
    const ws = rng.fillNormal(new Float32Array(rows * m));
    x.set(xs, 3);
    w.set(ws, 5);
    const expected = reference(xs, ws, rows, n, m);
    const tolerance = 2e-5 * Math.sqrt(rows);
    k.productAtB(x, 3, rows, n, w, 5, m, y, 2, false);
    let worst = 0;
    for (let i = 0; i < n * m; i++) worst = Math.max(worst, Math.abs(y[2 + i]! - expected[i]!));
    expect(worst).toBeLessThan(tolerance);
    k.productAtB(x, 3, rows, n, w, 5, m, y, 2, true);
    worst = 0;
    for (let i = 0; i < n * m; i++) worst = Math.max(worst, Math.abs(y[2 + i]! - 2 * expected[i]!));
    expect(worst).toBeLessThan(2 * tolerance);
  });
});
