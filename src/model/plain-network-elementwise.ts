/**
 * Element-wise kernels of the plain network in WebAssembly SIMD, over the dense kernels' memory: the ELU
 * activation (with its derivative for the backward pass) and the GRU cell's gates. In JS these cost about as
 * much as the dense products at the planner's batch sizes (Math.exp / Math.tanh per element); here four lanes
 * at a time with a polynomial exp.
 *
 *   exp(x)     x clamped to [−87, 88] (so 2ⁿ stays a normal float), n = round(x·log₂e), r = x − n·ln2 (in two
 *              parts), exp(r) by the degree-7 polynomial of the Cephes expf (rel. error ≈ 1e-7), times 2ⁿ built
 *              in the exponent bits
 *   elu        x > 0 ? x : exp(x) − 1;  derivative x > 0 ? 1 : exp(x)
 *   σ(a)       1 / (1 + exp(−a));   tanh(a) = 1 − 2 / (exp(2a) + 1)
 *   gru        r = σ(gi_r + Z_r), u = σ(gi_u + Z_u), n = tanh(gi_n + r·Z_n), g = n + u·(z_prev − n); optionally
 *              tapes r, u, n and Z_n for the backward pass
 *
 * Counts are multiples of 4 floats; callers do the remainder in JS. Accuracy: float32 with ≈ 1e-7 relative
 * error per exp against Math.exp's float64, within the plain-vs-tfjs tolerances (test/model/plain-network*).
 */
import {
  BLOCK,
  BR,
  BR_IF,
  END,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GT,
  F32X4_MAX,
  F32X4_MIN,
  F32X4_MUL,
  F32X4_NEAREST,
  F32X4_SUB,
  f32x4Const,
  I32,
  I32_ADD,
  I32_CONST,
  I32_GE_U,
  I32_SHL,
  I32X4_ADD,
  I32X4_SHL,
  I32X4_TRUNC_SAT_F32X4_S,
  IF,
  i32x4Const,
  LOCAL_GET,
  LOCAL_SET,
  LOOP,
  memarg,
  name,
  section,
  sleb,
  uleb,
  V128,
  V128_BITSELECT,
  V128_LOAD,
  V128_STORE,
  VOID,
  vector,
} from './plain-network-wasm.js';

export interface ElementwiseKernels {
  /** v[off … off+len) ← elu(v); with `deriv`, deriv[dOff + i] ← elu′. len a multiple of 4; views in the memory. */
  elu(v: Float32Array, off: number, len: number, deriv: Float32Array | null, dOff: number): void;
  /**
   * One batch row of the GRU gates over z (a multiple of 4) units: gi → [r | u | n] input parts [3z], zz → the
   * recurrent parts [Z_r | Z_u | Z_n] [3z], zPrev [z], g [z] out; with `tape`, r, u, n, Z_n go to
   * tape[at], tape[at + stride], tape[at + 2·stride], tape[at + 3·stride]. Offsets are in floats.
   */
  gru(
    gi: Float32Array,
    giOff: number,
    zz: Float32Array,
    zzOff: number,
    zPrev: Float32Array,
    zPrevOff: number,
    g: Float32Array,
    gOff: number,
    z: number,
    tape: Float32Array | null,
    at: number,
    stride: number,
  ): void;
}

type Fn = (...args: number[]) => void;

/** The kernels instantiated over `memory` (the dense kernels' WebAssembly.Memory). */
export function elementwiseKernels(
  instantiate: (bytes: Uint8Array) => Record<string, unknown>,
): ElementwiseKernels {
  const exports = instantiate(elementwiseModuleBytes());
  const elu = exports['elu'] as Fn;
  const gru = exports['gru'] as Fn;
  return {
    elu(v, off, len, deriv, dOff) {
      elu(
        v.byteOffset + off * 4,
        len,
        deriv === null ? 0 : deriv.byteOffset + dOff * 4,
        deriv === null ? 0 : 1,
      );
    },
    gru(gi, giOff, zz, zzOff, zPrev, zPrevOff, g, gOff, z, tape, at, stride) {
      const t = tape === null ? 0 : tape.byteOffset + at * 4;
      const s = stride * 4;
      gru(
        gi.byteOffset + giOff * 4,
        zz.byteOffset + zzOff * 4,
        zPrev.byteOffset + zPrevOff * 4,
        g.byteOffset + gOff * 4,
        t,
        t + s,
        t + 2 * s,
        t + 3 * s,
        z,
        tape === null ? 0 : 1,
      );
    },
  };
}

// ── code generation ──

const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
const EXP_POLY = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
];

const get = (k: number) => [LOCAL_GET, ...uleb(k)];
const set = (k: number) => [LOCAL_SET, ...uleb(k)];

/** exp of the v128 on the stack, leaving the result; uses v128 locals tx, tn. */
function expCode(tx: number, tn: number): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) c.push(...p);
  };
  emit(f32x4Const(88), F32X4_MIN, f32x4Const(-87), F32X4_MAX, set(tx));
  emit(get(tx), f32x4Const(Math.LOG2E), F32X4_MUL, F32X4_NEAREST, set(tn));
  emit(get(tx), get(tn), f32x4Const(LN2_HI), F32X4_MUL, F32X4_SUB);
  emit(get(tn), f32x4Const(LN2_LO), F32X4_MUL, F32X4_SUB, set(tx));
  // p = ((((c0·r + c1)·r + c2)·r + c3)·r + c4)·r + c5;  exp(r) ≈ p·r² + r + 1
  emit(f32x4Const(EXP_POLY[0]!));
  for (let k = 1; k < EXP_POLY.length; k++) emit(get(tx), F32X4_MUL, f32x4Const(EXP_POLY[k]!), F32X4_ADD);
  emit(get(tx), get(tx), F32X4_MUL, F32X4_MUL, get(tx), F32X4_ADD, f32x4Const(1), F32X4_ADD);
  // 2ⁿ: (n + 127) << 23 as float bits.
  emit(get(tn), I32X4_TRUNC_SAT_F32X4_S, i32x4Const(127), I32X4_ADD, [I32_CONST, ...sleb(23)], I32X4_SHL);
  emit(F32X4_MUL);
  return c;
}

/** σ of the v128 on the stack. */
function sigmoidCode(tx: number, tn: number): number[] {
  const neg = [...f32x4Const(0)];
  // 1 / (1 + exp(0 − a)): the operand order needs a on top, so negate by 0 − a with a local.
  return [
    ...set(tx),
    ...neg,
    ...get(tx),
    ...F32X4_SUB,
    ...expCode(tx, tn),
    ...f32x4Const(1),
    ...F32X4_ADD,
    ...set(tx),
    ...f32x4Const(1),
    ...get(tx),
    ...F32X4_DIV,
  ];
}

/** elu(p, count, d, record): params 0 … 3; locals i32 end (4); v128 x (5), e (6), mask (7), tx (8), tn (9). */
function eluBody(): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) c.push(...p);
  };
  emit(get(0), get(1), [I32_CONST, ...sleb(2), I32_SHL, I32_ADD], set(4));
  emit([BLOCK, VOID, LOOP, VOID]);
  emit(get(0), get(4), [I32_GE_U, BR_IF, 1]);
  emit(get(0), V128_LOAD, memarg(0), set(5));
  emit(get(5), expCode(8, 9), set(6));
  emit(get(5), f32x4Const(0), F32X4_GT, set(7));
  emit(get(0), get(5), get(6), f32x4Const(1), F32X4_SUB, get(7), V128_BITSELECT, V128_STORE, memarg(0));
  emit(get(3), [IF, VOID]);
  emit(get(2), f32x4Const(1), get(6), get(7), V128_BITSELECT, V128_STORE, memarg(0));
  emit(get(2), [I32_CONST, ...sleb(16), I32_ADD], set(2));
  emit([END]);
  emit(get(0), [I32_CONST, ...sleb(16), I32_ADD], set(0));
  emit([BR, 0, END, END, END]);
  return functionBody(
    [
      [1, I32],
      [6, V128],
    ],
    c,
  );
}

/**
 * gru(gi, zr, zp, g, tr, tu, tn, tz, z, record): params 0 … 9; locals i32 zBytes (10), j (11);
 * v128 r (12), u (13), n (14), zn (15), tx (16), tn (17).
 */
function gruBody(): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) c.push(...p);
  };
  /** Pushes v128 at address param(base) + k·zBytes + j. */
  const load = (base: number, k: number) => {
    emit(get(base), get(11), [I32_ADD]);
    for (let i = 0; i < k; i++) emit(get(10), [I32_ADD]);
    emit(V128_LOAD, memarg(0));
  };
  const addr = (base: number) => emit(get(base), get(11), [I32_ADD]);
  emit(get(8), [I32_CONST, ...sleb(2), I32_SHL], set(10));
  emit([I32_CONST, 0], set(11));
  emit([BLOCK, VOID, LOOP, VOID]);
  emit(get(11), get(10), [I32_GE_U, BR_IF, 1]);
  load(0, 0);
  load(1, 0);
  emit(F32X4_ADD, sigmoidCode(16, 17), set(12));
  load(0, 1);
  load(1, 1);
  emit(F32X4_ADD, sigmoidCode(16, 17), set(13));
  load(1, 2);
  emit(set(15));
  // n = 1 − 2 / (exp(2a) + 1), a = gi_n + r·Z_n
  load(0, 2);
  emit(get(12), get(15), F32X4_MUL, F32X4_ADD, f32x4Const(2), F32X4_MUL, expCode(16, 17));
  emit(
    f32x4Const(1),
    F32X4_ADD,
    set(16),
    f32x4Const(1),
    f32x4Const(2),
    get(16),
    F32X4_DIV,
    F32X4_SUB,
    set(14),
  );
  // g = n + u·(z_prev − n)
  addr(3);
  emit(get(14), get(13));
  load(2, 0);
  emit(get(14), F32X4_SUB, F32X4_MUL, F32X4_ADD, V128_STORE, memarg(0));
  emit(get(9), [IF, VOID]);
  for (const [param, local] of [
    [4, 12],
    [5, 13],
    [6, 14],
    [7, 15],
  ] as const) {
    addr(param);
    emit(get(local), V128_STORE, memarg(0));
  }
  emit([END]);
  emit(get(11), [I32_CONST, ...sleb(16), I32_ADD], set(11));
  emit([BR, 0, END, END, END]);
  return functionBody(
    [
      [2, I32],
      [6, V128],
    ],
    c,
  );
}

function functionBody(locals: [number, number][], code: number[]): number[] {
  const body = [...vector(locals.map(([count, type]) => [...uleb(count), type])), ...code];
  return [...uleb(body.length), ...body];
}

let moduleBytes: Uint8Array | null = null;

export function elementwiseModuleBytes(): Uint8Array {
  if (moduleBytes !== null) return moduleBytes;
  const type = (params: number) => [0x60, ...uleb(params), ...new Array(params).fill(I32), 0];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([type(4), type(10)])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector([[0], [1]])),
    ...section(
      7,
      vector([
        [...name('elu'), 0x00, 0],
        [...name('gru'), 0x00, 1],
      ]),
    ),
    ...section(10, vector([eluBody(), gruBody()])),
  ];
  moduleBytes = Uint8Array.from(bytes);
  return moduleBytes;
}
