/**
 * Copy-free replacements for four tfjs-backend-wasm 4.22.0 kernels (docs/performance.md §3.1, §3.3).
 *
 * - `Slice` (and `SplitV`, `Unpack`, which call it) starts with `backend.readSync(x)`, a copy of the *whole*
 *   input out of the wasm heap, before copying the requested part. Cutting a [T, B, D] tensor into T pieces
 *   therefore costs O(T × size); the replacement reads the input through a heap view and copies only the
 *   requested elements.
 * - `Identity` (what `tensor.clone()` and every gradient save run) copies the buffer. tfjs tensors are
 *   immutable, so it can share the storage and bump its reference count, exactly as the wasm `Reshape` kernel
 *   already does. Saved weights then keep their storage id, which also keeps XNNPACK's packed-weight cache
 *   (keyed on that id) warm.
 *
 * These depend on backend internals (`makeOutput`, `typedArrayFromHeap`, `incRef`, `dataIdMap`), so tfjs is
 * pinned to 4.22.0 and test/tensor/wasm-kernel-patches.test.ts compares every kernel with the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';

/** The part of the wasm backend the kernels use (not in its public typings). */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.DataId): void;
}

type KernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  attrs: Record<string, unknown>;
  backend: WasmBackendInternals;
};

const patchedKernels = ['Slice', 'SplitV', 'Unpack', 'Identity'] as const;
let originals: tf.KernelConfig[] | null = null;

/** True while the copy-free kernels are registered for 'wasm'. */
export function wasmKernelPatchesInstalled(): boolean {
  return originals !== null;
}

/**
 * Registers the copy-free kernels for the 'wasm' backend (idempotent). Safe to call before or after the
 * backend starts: kernels are looked up per call.
 */
export function installWasmKernelPatches(): void {
  if (originals !== null) return;
  const saved: tf.KernelConfig[] = [];
  for (const name of patchedKernels) {
    const original = tf.getKernel(name, 'wasm');
    if (original === undefined) {
      // Nothing to patch: the wasm backend module was not loaded. Leave everything as it is.
      for (const config of saved) reRegister(config);
      return;
    }
    saved.push(original);
  }
  originals = saved;
  const replacements: Record<(typeof patchedKernels)[number], unknown> = {
    Slice: slice,
    SplitV: splitV,
    Unpack: unpack,
    Identity: identity,
  };
  // Keep each original's setup/dispose hooks (none today) so the backend's start-up is unchanged.
  for (const original of saved) {
    const kernelFunc = replacements[original.kernelName as (typeof patchedKernels)[number]] as tf.KernelFunc;
    reRegister({ ...original, kernelFunc });
  }
}

/** Restores the stock kernels (used by benchmarks to measure what the patches buy). */
export function removeWasmKernelPatches(): void {
  if (originals === null) return;
  for (const config of originals) reRegister(config);
  originals = null;
}

function reRegister(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

function identity({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs['x']!;
  // Same storage, one more reference: disposing either tensor decrements the count (as wasm Reshape does).
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function slice({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs['x']!;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x,
    attrs['begin'] as number | number[],
    attrs['size'] as number | number[] | undefined,
  );
  return sliceInfo(backend, x, begin!, size!);
}

function splitV({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const x = inputs['x']!;
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(
    x as tf.TensorInfo as tf.Tensor,
    attrs['numOrSizeSplits'] as number | number[],
    axis,
  );
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const out = sliceInfo(backend, x, begin.slice(), size);
    begin[axis]! += s;
    return out;
  });
}

function unpack({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const value = inputs['value']!;
  const rank = value.shape.length;
  let axis = attrs['axis'] as number;
  if (axis < 0) axis += rank;
  const count = value.shape[axis]!;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const size = value.shape.slice();
  size[axis] = 1;
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const begin = new Array<number>(rank).fill(0);
    begin[axis] = i;
    const part = sliceInfo(backend, value, begin, size);
    outs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
  }
  return outs;
}

/** Copies x[begin : begin+size] into a new heap tensor, touching only the requested elements. */
function sliceInfo(
  backend: WasmBackendInternals,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  if (x.dtype === 'string') throw new Error('the patched wasm Slice does not handle string tensors');
  // Allocate first: allocation may grow the heap, which detaches views taken earlier.
  const out = backend.makeOutput(size, x.dtype);
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return out;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * x.shape[d + 1]!;
  // Merge trailing dimensions taken whole into one contiguous run; `inner` is the first dimension of it.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
  const run = size[inner]! * strides[inner]!;
  let offset = 0;
  for (let d = 0; d <= inner; d++) offset += begin[d]! * strides[d]!;
  if (inner === 0) {
    dst.set(src.subarray(offset, offset + run));
    return out;
  }
  // Odometer over the outer dimensions 0 … inner−1.
  const index = new Array<number>(inner).fill(0);
  let written = 0;
  for (;;) {
    let start = offset;
    for (let d = 0; d < inner; d++) start += index[d]! * strides[d]!;
    dst.set(src.subarray(start, start + run), written);
    written += run;
    let d = inner - 1;
    while (d >= 0) {
      index[d]!++;
      if (index[d]! < size[d]!) break;
      index[d] = 0;
      d--;
    }
    if (d < 0) break;
  }
  return out;
}
