/** Public API of the tensor folder: backend start-up, the wasm kernel patches and the fast layers. */
export { type ActivationKind, activate } from './activations.js';
export {
  describeBackend,
  initBackend,
} from './backend.js';
export {
  type LinearActivation,
  linear,
  RecurrentLinear,
  TransposeCache,
} from './linear.js';
export { wasmKernelPatchesInstalled } from './wasm-kernel-patches.js';
