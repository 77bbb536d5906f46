/**
 * WebAssembly binary encoding for the plain network's hand-assembled kernels (plain-network-kernels.ts,
 * plain-network-elementwise.ts): opcodes, LEB128 numbers, sections. Only what those modules use.
 */
export const I32 = 0x7f;
export const V128 = 0x7b;
// Core opcodes.
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const IF = 0x04;
export const END = 0x0b;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const VOID = 0x40;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_CONST = 0x41;
export const I32_GE_U = 0x4f;
export const I32_ADD = 0x6a;
export const I32_SHL = 0x74;
// SIMD opcodes (0xFD prefix, then the LEB128 sub-opcode).
export const SIMD = 0xfd;
export const V128_LOAD = [SIMD, 0x00];
export const V128_LOAD32_SPLAT = [SIMD, 0x09];
export const V128_STORE = [SIMD, 0x0b];
export const V128_CONST = [SIMD, 0x0c];
export const F32X4_ADD = [SIMD, 0xe4, 0x01];
export const F32X4_MUL = [SIMD, 0xe6, 0x01];

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

/** memarg: alignment hint 0 (any address), byte offset. */
export function memarg(offset: number): number[] {
  return [0, ...uleb(offset)];
}

// More opcodes for the element-wise kernels.
export const F32X4_SPLAT = [SIMD, 0x13];
export const F32X4_GT = [SIMD, 0x44];
export const V128_BITSELECT = [SIMD, 0x52];
export const F32X4_NEAREST = [SIMD, 0x6a];
export const I32X4_SHL = [SIMD, 0xab, 0x01];
export const I32X4_ADD = [SIMD, 0xae, 0x01];
export const F32X4_SUB = [SIMD, 0xe5, 0x01];
export const F32X4_DIV = [SIMD, 0xe7, 0x01];
export const F32X4_MIN = [SIMD, 0xe8, 0x01];
export const F32X4_MAX = [SIMD, 0xe9, 0x01];
export const I32X4_TRUNC_SAT_F32X4_S = [SIMD, 0xf8, 0x01];

/** v128.const of four equal f32 lanes. */
export function f32x4Const(value: number): number[] {
  const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  return [...V128_CONST, ...bytes];
}

/** v128.const of four equal i32 lanes. */
export function i32x4Const(value: number): number[] {
  const bytes = new Uint8Array(new Int32Array([value, value, value, value]).buffer);
  return [...V128_CONST, ...bytes];
}
