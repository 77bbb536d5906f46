/** Public API of the tensor folder: backend start-up, the wasm kernel patches and the fast layers. */
export { type ActivationKind, activate, activationKinds } from './activations.js';
export {
  type BackendInfo,
  type BackendName,
  backendNames,
  describeBackend,
  type InitBackendOptions,
  initBackend,
} from './backend.js';
export { type CustomOpSpec, customOp } from './custom-op.js';
export {
  type LinearActivation,
  type LinearMode,
  type LinearOptions,
  linear,
  RecurrentLinear,
  TransposeCache,
} from './linear.js';
export {
  installWasmKernelPatches,
  removeWasmKernelPatches,
  wasmKernelPatchesInstalled,
} from './wasm-kernel-patches.js';
