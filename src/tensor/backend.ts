/**
 * Picks, starts and checks the tfjs backend (docs/performance.md §0, §1, §3.7).
 *
 * Order without a request: 'tensorflow' (native, from @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node if
 * either is installed) → 'wasm' (SIMD, single thread, with the copy-free kernel patches) → 'cpu' (pure JS,
 * 30–40× slower than wasm here; a correctness reference). A request (option or `DF_BACKEND`) picks exactly one
 * backend: if it is missing or does not start, that is a BackendError naming it and the fix, never a quiet
 * fallback. tfjs itself falls back to cpu when a backend fails to start (`setBackend` resolves false), so
 * the active backend is always checked after starting.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../errors.js';
import { type Logger, stderrLogger } from '../logging.js';
import {
  installWasmKernelPatches,
  removeWasmKernelPatches,
  wasmKernelPatchesInstalled,
} from './wasm-kernel-patches.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const backendNames: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface InitBackendOptions {
  /** Start exactly this backend (overrides `DF_BACKEND`). */
  requested?: BackendName;
  /** Where the one "backend started" line goes (default stderr). */
  logger?: Logger;
  /** Environment to read `DF_BACKEND` from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Install the copy-free wasm kernels (default true). Only benchmarks turn this off, to measure the stock
   * kernels.
   */
  wasmKernelPatches?: boolean;
}

export interface BackendInfo {
  readonly name: BackendName;
  /** wasm only: whether the SIMD build runs. */
  readonly simd?: boolean;
  /** wasm only: whether the copy-free kernels are installed. */
  readonly kernelPatches?: boolean;
  /** tensorflow only: the npm package that provided it. */
  readonly package?: string;
}

const nativePackages = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const started = new Map<BackendName, Promise<BackendInfo>>();
let logged: BackendName | null = null;

/**
 * Starts a backend and makes it the active one; returns what runs. Calling again with the same request
 * returns the same result without re-starting or logging again.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const logger = options.logger ?? stderrLogger;
  const env = options.env ?? process.env;
  const fromEnv = env['DF_BACKEND'];
  let requested = options.requested;
  // `source` names where the request came from, for messages: "DF_BACKEND=wasm", "backend 'wasm' was requested".
  let source = requested === undefined ? 'auto' : `backend '${requested}' was requested`;
  if (requested === undefined && fromEnv !== undefined && fromEnv !== '') {
    source = `DF_BACKEND=${fromEnv}`;
    requested = fromEnv as BackendName;
  }
  if (requested !== undefined && !backendNames.includes(requested)) {
    throw new BackendError(
      `${source}, which is not a backend; use one of ${backendNames.join(', ')}` +
        (source.startsWith('DF_BACKEND') ? ' or unset DF_BACKEND' : ''),
    );
  }
  const patches = options.wasmKernelPatches ?? true;
  let info: BackendInfo;
  if (requested !== undefined) {
    info = await startOnce(requested, source, patches);
  } else {
    info = await startAuto(patches, logger);
  }
  if (info.name === 'wasm') {
    // Patch state may differ between calls (benchmarks toggle it); apply the one asked for now.
    if (patches) installWasmKernelPatches();
    else removeWasmKernelPatches();
    info = { ...info, kernelPatches: wasmKernelPatchesInstalled() };
  }
  await activate(info.name, source === 'auto' ? `backend '${info.name}'` : source);
  if (logged !== info.name) {
    logged = info.name;
    logger.info(`tfjs backend: ${describeBackend(info)}`);
  }
  return info;
}

/** One line describing a backend, e.g. "wasm (SIMD, 1 thread, copy-free kernels)". */
export function describeBackend(info: BackendInfo): string {
  switch (info.name) {
    case 'wasm':
      return `wasm (${info.simd ? 'SIMD' : 'no SIMD'}, 1 thread${info.kernelPatches ? ', copy-free kernels' : ''})`;
    case 'tensorflow':
      return `tensorflow (native, ${info.package ?? 'tfjs-node'})`;
    case 'cpu':
      return 'cpu (pure JavaScript; 30–40× slower than wasm, use it as a correctness reference)';
  }
}

async function startAuto(patches: boolean, logger: Logger): Promise<BackendInfo> {
  try {
    return await startOnce('tensorflow', 'auto', patches);
  } catch (error) {
    if (!(error instanceof BackendError) || !(error as BackendError & { missing?: boolean }).missing) {
      // Installed but broken: say so (not silent) and carry on with the next backend in the order.
      logger.warn(`${(error as Error).message}; continuing with wasm`);
    }
  }
  try {
    return await startOnce('wasm', 'auto', patches);
  } catch (error) {
    logger.warn(`${(error as Error).message}; continuing with the cpu backend`);
  }
  return startOnce('cpu', 'auto', patches);
}

function startOnce(name: BackendName, source: string, patches: boolean): Promise<BackendInfo> {
  let promise = started.get(name);
  if (promise === undefined) {
    promise = start(name, source, patches);
    started.set(name, promise);
    // A failed start may succeed later (e.g. after an install); do not cache failures.
    promise.catch(() => started.delete(name));
  }
  return promise;
}

async function start(name: BackendName, source: string, patches: boolean): Promise<BackendInfo> {
  const how = source === 'auto' ? `backend '${name}'` : source;
  const unset = source.startsWith('DF_BACKEND') ? ' or unset DF_BACKEND' : '';
  if (name === 'tensorflow') {
    let lastError: unknown = null;
    for (const pkg of nativePackages) {
      try {
        // A variable specifier keeps bundlers and tsc from resolving an optional package.
        const specifier: string = pkg;
        await import(specifier);
        if (tf.findBackend('tensorflow') === null && tf.findBackendFactory('tensorflow') === null) {
          throw new BackendError(`${pkg} loaded but registered no 'tensorflow' backend`);
        }
        await activate('tensorflow', how);
        return { name: 'tensorflow', package: pkg };
      } catch (error) {
        if (isModuleNotFound(error, pkg)) continue;
        lastError = error;
        break;
      }
    }
    if (lastError !== null) {
      throw new BackendError(
        `${how} failed to start: ${(lastError as Error).message}; reinstall @tensorflow/tfjs-node(-gpu)` +
          ` matching tfjs 4.22.0${unset}`,
        { cause: lastError },
      );
    }
    const error = new BackendError(
      `${how} but neither ${nativePackages.join(' nor ')} is installed; install one of them${unset}`,
    );
    Object.assign(error, { missing: true });
    throw error;
  }
  if (name === 'wasm') {
    if (patches) installWasmKernelPatches();
    await activate('wasm', how);
    return { name: 'wasm', simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), kernelPatches: patches };
  }
  await activate('cpu', how);
  return { name: 'cpu' };
}

/** setBackend plus the check tfjs does not do: a failed start leaves another backend active. */
async function activate(name: BackendName, how: string): Promise<void> {
  if (tf.getBackend() === name) return;
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new BackendError(`${how}: the ${name} backend failed to start: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const active = tf.getBackend();
  if (!ok || active !== name) {
    throw new BackendError(
      `${how}: the ${name} backend did not start (tfjs reports '${active}' instead); ` +
        (name === 'wasm'
          ? 'check that node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm exist (reinstall the package)'
          : 'reinstall the backend package'),
    );
  }
}

function isModuleNotFound(error: unknown, pkg: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  const message = (error as Error | null)?.message ?? '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(pkg);
}
