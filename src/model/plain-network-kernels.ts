/**
 * Dense kernels of the plain network (plain-network.ts): y = (accumulate ? y : 0) + bias + x·W for `rows`
 * contiguous rows of x [rows][nIn] into y [rows][mOut].
 *
 *   js     dot-product form over Wᵀ [mOut][nIn]: 8 outputs at once for one row, 4 outputs × 2 rows for more
 *          (each loaded weight serves several sums; float64 sums; ≈2.5–4 GFLOPS in V8 here)
 *   simd   WebAssembly SIMD, axpy form over W [nIn][mOut]: for each input i, y[r][o…o+15] += x[r][i]·W[i][o…o+15]
 *          with 4 (one row) or 8 (two rows) f32x4 accumulators; float32 sums. Its arrays must live in the
 *          kernel's own WebAssembly.Memory (`alloc`). Output columns past the last multiple of 4 are summed in JS.
 *
 * The wasm module is assembled here from its instructions (about 40 lines of opcodes, no toolchain): one
 * function per (rows per block R, f32x4 vectors per block V) ∈ {(2,4), (2,1), (1,4), (1,1), (4,2), (4,1)}, each
 * taking byte addresses and strides (x, nIn, W, mOut, bias, y, accumulate, oStart, oEnd, xStep, xRow) and
 * looping over o-blocks and inputs inside. The strides let the same panels form xᵀ·W (`productAtB`, the weight
 * gradients of training) straight from x's rows, in chunks of W's rows that stay in the L2 cache.
 */

import { type ElementwiseKernels, elementwiseKernels } from './plain-network-elementwise.js';
import {
  BLOCK,
  BR,
  BR_IF,
  END,
  F32X4_ADD,
  F32X4_MUL,
  I32,
  I32_ADD,
  I32_CONST,
  I32_GE_U,
  I32_SHL,
  IF,
  LOCAL_GET,
  LOCAL_SET,
  LOOP,
  memarg,
  name,
  section,
  sleb,
  uleb,
  V128,
  V128_CONST,
  V128_LOAD,
  V128_LOAD32_SPLAT,
  V128_STORE,
  VOID,
  vector,
} from './plain-network-wasm.js';

export type KernelKind = 'js' | 'simd';

export interface Kernels {
  readonly kind: KernelKind;
  /** The fused element-wise kernels over the same memory ('simd'), or null ('js': the caller's JS loops). */
  readonly elementwise: ElementwiseKernels | null;
  /** A Float32Array the kernel can read and write (for 'simd': a view into its memory). */
  alloc(size: number): Float32Array;
  /**
   * y ← (accumulate ? y : 0) + bias + x·W. `matrix` is Wᵀ [mOut][nIn] for 'js' and W [nIn][mOut] for 'simd';
   * `bias` null means 0.
   */
  dense(
    x: Float32Array,
    xOff: number,
    rows: number,
    nIn: number,
    matrix: Float32Array,
    mOut: number,
    bias: Float32Array | null,
    y: Float32Array,
    yOff: number,
    accumulate: boolean,
  ): void;
  /**
   * y [n][m] ← (accumulate ? y : 0) + xᵀ·w for x [rows][n] at xOff and w [rows][m] at wOff (a weight gradient
   * Xᵀ·dY), without forming xᵀ. Sums over the rows in float32, in chunks of rows ('simd').
   */
  productAtB(
    x: Float32Array,
    xOff: number,
    rows: number,
    n: number,
    w: Float32Array,
    wOff: number,
    m: number,
    y: Float32Array,
    yOff: number,
    accumulate: boolean,
  ): void;
}

/** The JS kernels (any Float32Array). */
export function jsKernels(): Kernels {
  let zeros = new Float32Array(64);
  let xt = new Float32Array(0);
  let wt = new Float32Array(0);
  return {
    kind: 'js',
    elementwise: null,
    alloc: (size) => new Float32Array(size),
    dense(x, xOff, rows, nIn, matrix, mOut, bias, y, yOff, accumulate) {
      let b = bias;
      if (b === null) {
        if (zeros.length < mOut) zeros = new Float32Array(mOut);
        b = zeros;
      }
      denseJs(x, xOff, rows, nIn, matrix, mOut, b, y, yOff, accumulate);
    },
    productAtB(x, xOff, rows, n, w, wOff, m, y, yOff, accumulate) {
      // xᵀ [n][rows] as the rows and wᵀ [m][rows] as the dot-product kernel's Wᵀ.
      if (xt.length < rows * n) xt = new Float32Array(rows * n);
      if (wt.length < rows * m) wt = new Float32Array(rows * m);
      transposeInto(x, xOff, rows, n, xt);
      transposeInto(w, wOff, rows, m, wt);
      if (zeros.length < m) zeros = new Float32Array(m);
      denseJs(xt, 0, n, rows, wt, m, zeros, y, yOff, accumulate);
    },
  };
}

/** out [cols][rows] = xᵀ for x [rows][cols] at xOff. */
function transposeInto(x: Float32Array, xOff: number, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const src = xOff + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[src + c]!;
  }
}

/** Whether this engine validates a WebAssembly SIMD module (Node ≥ 16.4). */
export function simdAvailable(): boolean {
  try {
    return wasm?.validate(kernelModuleBytes()) === true;
  } catch {
    return false;
  }
}

type PanelFn = (
  x: number,
  n: number,
  w: number,
  m: number,
  bias: number,
  y: number,
  acc: number,
  oStart: number,
  oEnd: number,
  xStep: number,
  xRow: number,
) => void;

/**
 * Floats of w's rows that one chunk of a weight-gradient product (productAtB) reads: 128 KiB, so the chunk stays
 * in the L2 cache while every output row block passes over it (the whole w, 1.5 MB at T·B = 3840 rows, does not).
 */
const AtB_CHUNK_FLOATS = 32768;
/** productAtB uses 4-row blocks up to this many output columns (less traffic over w); wider, 2 × 16 columns. */
const AtB_FOUR_ROWS_MAX_M = 288;

/**
 * SIMD kernels over a fresh memory of at least `floats` float32 values; `alloc` hands out 16-byte aligned
 * views and throws when the memory is used up (size it with `simdFloats`).
 */
export function simdKernels(floats: number): Kernels {
  const bytes = (floats + 64) * 4;
  const memory = new wasm.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const instance = new wasm.Instance(compiledModule(), { env: { memory } });
  const exports = instance.exports as Record<string, PanelFn>;
  const p24 = exports.p24!;
  const p21 = exports.p21!;
  const p14 = exports.p14!;
  const p11 = exports.p11!;
  const p42 = exports.p42!;
  const p41 = exports.p41!;
  const buffer = memory.buffer;
  let next = 16; // byte 0 … 15 unused, so no view starts at address 0
  const capacity = memory.buffer.byteLength;
  let zeros: Float32Array | null = null;
  const alloc = (size: number): Float32Array => {
    const start = next;
    next += Math.ceil((size * 4) / 16) * 16;
    if (next > capacity) {
      throw new Error(`internal: plain network kernel memory exhausted (${next} > ${capacity} bytes)`);
    }
    return new Float32Array(buffer, start, size);
  };
  const zeroBias = (m: number): Float32Array => {
    if (zeros === null || zeros.length < m) zeros = alloc(Math.max(m, 512));
    return zeros;
  };
  /**
   * Output rows [0, rows) × columns [0, mOut − mOut mod 4) in blocks of 2 rows × 16 columns (or 4 × 8 with
   * `fourRows`), then the leftovers; x's row r, input i is at xp + r·xRow + i·xStep.
   */
  const blocks = (
    xp: number,
    xStep: number,
    xRow: number,
    rows: number,
    nIn: number,
    wp: number,
    mOut: number,
    bp: number,
    yp: number,
    acc: number,
    fourRows: boolean,
  ): void => {
    const o16 = mOut - (mOut % 16);
    const o8 = mOut - (mOut % 8);
    const o4 = mOut - (mOut % 4);
    const yStride = mOut * 4;
    let r = 0;
    if (fourRows) {
      for (; r + 3 < rows; r += 4) {
        const xr = xp + r * xRow;
        const yr = yp + r * yStride;
        if (o8 > 0) p42(xr, nIn, wp, mOut, bp, yr, acc, 0, o8, xStep, xRow);
        if (o4 > o8) p41(xr, nIn, wp, mOut, bp, yr, acc, o8, o4, xStep, xRow);
      }
    }
    for (; r + 1 < rows; r += 2) {
      const xr = xp + r * xRow;
      const yr = yp + r * yStride;
      if (o16 > 0) p24(xr, nIn, wp, mOut, bp, yr, acc, 0, o16, xStep, xRow);
      if (o4 > o16) p21(xr, nIn, wp, mOut, bp, yr, acc, o16, o4, xStep, xRow);
    }
    if (r < rows) {
      const xr = xp + r * xRow;
      const yr = yp + r * yStride;
      if (o16 > 0) p14(xr, nIn, wp, mOut, bp, yr, acc, 0, o16, xStep, xRow);
      if (o4 > o16) p11(xr, nIn, wp, mOut, bp, yr, acc, o16, o4, xStep, xRow);
    }
  };
  let elementwiseModule: object | null = null;
  const elementwise = elementwiseKernels((bytes) => {
    elementwiseModule ??= new wasm.Module(bytes);
    return new wasm.Instance(elementwiseModule, { env: { memory } }).exports;
  });
  return {
    kind: 'simd',
    elementwise,
    alloc,
    dense(x, xOff, rows, nIn, matrix, mOut, bias, y, yOff, accumulate) {
      const b = bias ?? zeroBias(mOut);
      const xp = x.byteOffset + xOff * 4;
      blocks(
        xp,
        4,
        nIn * 4,
        rows,
        nIn,
        matrix.byteOffset,
        mOut,
        b.byteOffset,
        y.byteOffset + yOff * 4,
        accumulate ? 1 : 0,
        false,
      );
      // The last mOut mod 4 columns.
      for (let o = mOut - (mOut % 4); o < mOut; o++) {
        for (let row = 0; row < rows; row++) {
          const xr = xOff + row * nIn;
          let s = b[o]!;
          for (let i = 0; i < nIn; i++) s += x[xr + i]! * matrix[i * mOut + o]!;
          const yo = yOff + row * mOut + o;
          y[yo] = (accumulate ? y[yo]! : 0) + s;
        }
      }
    },
    productAtB(x, xOff, rows, n, w, wOff, m, y, yOff, accumulate) {
      const bp = zeroBias(m).byteOffset;
      const xp = x.byteOffset + xOff * 4;
      const wp = w.byteOffset + wOff * 4;
      const yp = y.byteOffset + yOff * 4;
      // The inner dimension in chunks whose rows of w stay in the L2 cache while every output row reads them.
      const chunk = Math.max(16, Math.floor(AtB_CHUNK_FLOATS / m));
      const fourRows = m <= AtB_FOUR_ROWS_MAX_M;
      for (let r0 = 0; r0 < rows; r0 += chunk) {
        const len = Math.min(chunk, rows - r0);
        const acc = accumulate || r0 > 0 ? 1 : 0;
        blocks(xp + r0 * n * 4, n * 4, 4, n, len, wp + r0 * m * 4, m, bp, yp, acc, fourRows);
      }
      for (let o = m - (m % 4); o < m; o++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let r = 0; r < rows; r++) s += x[xOff + r * n + i]! * w[wOff + r * m + o]!;
          const yo = yOff + i * m + o;
          y[yo] = (accumulate ? y[yo]! : 0) + s;
        }
      }
    },
  };
}

/** Floats `simdKernels` needs for arrays of these sizes (alignment padding and the zero row included). */
export function simdFloats(sizes: readonly number[]): number {
  return sizes.reduce((total, size) => total + Math.ceil(size / 4) * 4, 0) + 1024;
}

// ── the wasm module ──

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare its values). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let moduleBytes: Uint8Array | null = null;
let compiled: object | null = null;

function compiledModule(): object {
  compiled ??= new wasm.Module(kernelModuleBytes());
  return compiled;
}

/**
 * Body of panel(R, V): params 0 x, 1 n, 2 w, 3 m, 4 bias, 5 y, 6 acc, 7 oStart, 8 oEnd, 9 xStep, 10 xRow
 * (bytes / counts). Input i of block row r is read at x + r·xRow + i·xStep, so the same code runs y = x·W
 * (xStep 4, xRow = the row's bytes) and y = xᵀ·W (xStep = x's row bytes, xRow 4: the weight gradients).
 *   for o in [oStart, oEnd) step 4V:
 *     a[r][v] = 0;  for i < n: s_r = splat(x[r][i]);  a[r][v] += s_r · W[i][o + 4v …]
 *     y[r][o + 4v …] = a[r][v] + bias[o + 4v …] (+ y when acc)
 */
function panelBody(rows: number, vecs: number): number[] {
  const o = 11;
  const i = 12;
  const wp = 13;
  const xp = 14;
  const mBytes = 15;
  const yp = 16;
  const bp = 17;
  const firstV = 18;
  const accLocal = (r: number, v: number) => firstV + r * vecs + v;
  const splat = (r: number) => firstV + rows * vecs + r;
  const wv = firstV + rows * vecs + rows;
  const tmp = wv + 1;
  const vCount = rows * vecs + rows + 2;
  const get = (k: number) => [LOCAL_GET, ...uleb(k)];
  const set = (k: number) => [LOCAL_SET, ...uleb(k)];
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p);
  };
  emit(get(3), [I32_CONST, ...sleb(2), I32_SHL], set(mBytes));
  emit(get(7), set(o));
  emit([BLOCK, VOID, LOOP, VOID]);
  emit(get(o), get(8), [I32_GE_U, BR_IF, 1]);
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vecs; v++) emit(V128_CONST, new Array(16).fill(0), set(accLocal(r, v)));
  }
  emit([I32_CONST, 0], set(i));
  emit(get(2), get(o), [I32_CONST, ...sleb(2), I32_SHL, I32_ADD], set(wp));
  emit(get(0), set(xp));
  emit([BLOCK, VOID, LOOP, VOID]);
  emit(get(i), get(1), [I32_GE_U, BR_IF, 1]);
  for (let r = 0; r < rows; r++) {
    emit(get(xp));
    for (let k = 0; k < r; k++) emit(get(10), [I32_ADD]);
    emit(V128_LOAD32_SPLAT, memarg(0), set(splat(r)));
  }
  for (let v = 0; v < vecs; v++) {
    emit(get(wp), V128_LOAD, memarg(16 * v), set(wv));
    for (let r = 0; r < rows; r++) {
      emit(get(accLocal(r, v)), get(splat(r)), get(wv), F32X4_MUL, F32X4_ADD, set(accLocal(r, v)));
    }
  }
  emit(get(wp), get(mBytes), [I32_ADD], set(wp));
  emit(get(xp), get(9), [I32_ADD], set(xp));
  emit(get(i), [I32_CONST, ...sleb(1), I32_ADD], set(i));
  emit([BR, 0, END, END]);
  // Epilogue: bias, optional accumulation, store.
  emit(get(4), get(o), [I32_CONST, ...sleb(2), I32_SHL, I32_ADD], set(bp));
  for (let r = 0; r < rows; r++) {
    emit(get(5), get(o), [I32_CONST, ...sleb(2), I32_SHL, I32_ADD]);
    for (let k = 0; k < r; k++) emit(get(mBytes), [I32_ADD]);
    emit(set(yp));
    for (let v = 0; v < vecs; v++) {
      emit(get(accLocal(r, v)), get(bp), V128_LOAD, memarg(16 * v), F32X4_ADD, set(tmp));
      emit(get(6), [IF, VOID], get(tmp), get(yp), V128_LOAD, memarg(16 * v), F32X4_ADD, set(tmp), [END]);
      emit(get(yp), get(tmp), V128_STORE, memarg(16 * v));
    }
  }
  emit(get(o), [I32_CONST, ...sleb(4 * vecs), I32_ADD], set(o));
  emit([BR, 0, END, END]);
  emit([END]);
  const locals = [
    [...uleb(7), I32],
    [...uleb(vCount), V128],
  ];
  const body = [...vector(locals), ...code];
  return [...uleb(body.length), ...body];
}

/** The panels (name, rows per block R, f32x4 vectors per block V). */
const PANELS: readonly (readonly [string, number, number])[] = [
  ['p24', 2, 4],
  ['p21', 2, 1],
  ['p14', 1, 4],
  ['p11', 1, 1],
  ['p42', 4, 2],
  ['p41', 4, 1],
];

function kernelModuleBytes(): Uint8Array {
  if (moduleBytes !== null) return moduleBytes;
  const panels = PANELS;
  const type = [0x60, ...uleb(11), ...new Array(11).fill(I32), 0];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([type])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector(panels.map(() => [0]))),
    ...section(7, vector(panels.map(([label], k) => [...name(label), 0x00, ...uleb(k)]))),
    ...section(10, vector(panels.map(([, rows, vecs]) => panelBody(rows, vecs)))),
  ];
  moduleBytes = Uint8Array.from(bytes);
  return moduleBytes;
}

// ── JS kernels ──

/** y[r][o] = (accumulate ? y : 0) + bias[o] + Σᵢ x[r][i]·wt[o][i]. */
export function denseJs(
  x: Float32Array,
  xOff: number,
  rows: number,
  n: number,
  wt: Float32Array,
  m: number,
  bias: Float32Array,
  y: Float32Array,
  yOff: number,
  accumulate: boolean,
): void {
  if (rows === 1) denseRow(x, xOff, n, wt, m, bias, y, yOff, accumulate);
  else denseRows(x, xOff, rows, n, wt, m, bias, y, yOff, accumulate);
}

/** One row: 8 outputs per pass over x. */
function denseRow(
  x: Float32Array,
  xOff: number,
  n: number,
  wt: Float32Array,
  m: number,
  bias: Float32Array,
  y: Float32Array,
  yOff: number,
  accumulate: boolean,
): void {
  let o = 0;
  for (; o + 7 < m; o += 8) {
    const w0 = o * n;
    const w1 = w0 + n;
    const w2 = w1 + n;
    const w3 = w2 + n;
    const w4 = w3 + n;
    const w5 = w4 + n;
    const w6 = w5 + n;
    const w7 = w6 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xOff + i]!;
      s0 += xi * wt[w0 + i]!;
      s1 += xi * wt[w1 + i]!;
      s2 += xi * wt[w2 + i]!;
      s3 += xi * wt[w3 + i]!;
      s4 += xi * wt[w4 + i]!;
      s5 += xi * wt[w5 + i]!;
      s6 += xi * wt[w6 + i]!;
      s7 += xi * wt[w7 + i]!;
    }
    const yo = yOff + o;
    if (accumulate) {
      y[yo] = y[yo]! + bias[o]! + s0;
      y[yo + 1] = y[yo + 1]! + bias[o + 1]! + s1;
      y[yo + 2] = y[yo + 2]! + bias[o + 2]! + s2;
      y[yo + 3] = y[yo + 3]! + bias[o + 3]! + s3;
      y[yo + 4] = y[yo + 4]! + bias[o + 4]! + s4;
      y[yo + 5] = y[yo + 5]! + bias[o + 5]! + s5;
      y[yo + 6] = y[yo + 6]! + bias[o + 6]! + s6;
      y[yo + 7] = y[yo + 7]! + bias[o + 7]! + s7;
    } else {
      y[yo] = bias[o]! + s0;
      y[yo + 1] = bias[o + 1]! + s1;
      y[yo + 2] = bias[o + 2]! + s2;
      y[yo + 3] = bias[o + 3]! + s3;
      y[yo + 4] = bias[o + 4]! + s4;
      y[yo + 5] = bias[o + 5]! + s5;
      y[yo + 6] = bias[o + 6]! + s6;
      y[yo + 7] = bias[o + 7]! + s7;
    }
  }
  for (; o < m; o++) {
    const w0 = o * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += x[xOff + i]! * wt[w0 + i]!;
    const yo = yOff + o;
    y[yo] = (accumulate ? y[yo]! : 0) + bias[o]! + s;
  }
}

/** Several rows: 4 outputs × 2 rows per pass, so each loaded weight serves two rows. */
function denseRows(
  x: Float32Array,
  xOff: number,
  rows: number,
  n: number,
  wt: Float32Array,
  m: number,
  bias: Float32Array,
  y: Float32Array,
  yOff: number,
  accumulate: boolean,
): void {
  let o = 0;
  for (; o + 3 < m; o += 4) {
    const w0 = o * n;
    const w1 = w0 + n;
    const w2 = w1 + n;
    const w3 = w2 + n;
    const b0 = bias[o]!;
    const b1 = bias[o + 1]!;
    const b2 = bias[o + 2]!;
    const b3 = bias[o + 3]!;
    let r = 0;
    for (; r + 1 < rows; r += 2) {
      const xa = xOff + r * n;
      const xc = xa + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      for (let i = 0; i < n; i++) {
        const a = x[xa + i]!;
        const c = x[xc + i]!;
        const v0 = wt[w0 + i]!;
        const v1 = wt[w1 + i]!;
        const v2 = wt[w2 + i]!;
        const v3 = wt[w3 + i]!;
        s0 += a * v0;
        s1 += a * v1;
        s2 += a * v2;
        s3 += a * v3;
        t0 += c * v0;
        t1 += c * v1;
        t2 += c * v2;
        t3 += c * v3;
      }
      const ya = yOff + r * m + o;
      const yc = ya + m;
      if (accumulate) {
        y[ya] = y[ya]! + b0 + s0;
        y[ya + 1] = y[ya + 1]! + b1 + s1;
        y[ya + 2] = y[ya + 2]! + b2 + s2;
        y[ya + 3] = y[ya + 3]! + b3 + s3;
        y[yc] = y[yc]! + b0 + t0;
        y[yc + 1] = y[yc + 1]! + b1 + t1;
        y[yc + 2] = y[yc + 2]! + b2 + t2;
        y[yc + 3] = y[yc + 3]! + b3 + t3;
      } else {
        y[ya] = b0 + s0;
        y[ya + 1] = b1 + s1;
        y[ya + 2] = b2 + s2;
        y[ya + 3] = b3 + s3;
        y[yc] = b0 + t0;
        y[yc + 1] = b1 + t1;
        y[yc + 2] = b2 + t2;
        y[yc + 3] = b3 + t3;
      }
    }
    if (r < rows) {
      const xa = xOff + r * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const a = x[xa + i]!;
        s0 += a * wt[w0 + i]!;
        s1 += a * wt[w1 + i]!;
        s2 += a * wt[w2 + i]!;
        s3 += a * wt[w3 + i]!;
      }
      const ya = yOff + r * m + o;
      y[ya] = (accumulate ? y[ya]! : 0) + b0 + s0;
      y[ya + 1] = (accumulate ? y[ya + 1]! : 0) + b1 + s1;
      y[ya + 2] = (accumulate ? y[ya + 2]! : 0) + b2 + s2;
      y[ya + 3] = (accumulate ? y[ya + 3]! : 0) + b3 + s3;
    }
  }
  for (; o < m; o++) {
    const w0 = o * n;
    for (let r = 0; r < rows; r++) {
      const xa = xOff + r * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += x[xa + i]! * wt[w0 + i]!;
      const yo = yOff + r * m + o;
      y[yo] = (accumulate ? y[yo]! : 0) + bias[o]! + s;
    }
  }
}
