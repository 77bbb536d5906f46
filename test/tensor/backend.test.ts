import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/errors.js';
import type { Logger } from '../../src/logging.js';
import { describeBackend, initBackend, wasmKernelPatchesInstalled } from '../../src/tensor/index.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

/**
 * Whether a native tfjs package resolves from src/tensor (where backend.ts imports it). The optionalDependency
 * @tensorflow/tfjs-node-gpu usually fails to install; the tests below cover both cases.
 */
const nativeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((pkg) => {
  try {
    createRequire(new URL('../../src/tensor/backend.ts', import.meta.url)).resolve(pkg);
    return true;
  } catch {
    return false;
  }
});

describe('initBackend', () => {
  it.runIf(nativeInstalled)(
    'with a native package installed, the automatic choice is it, or wasm after one warning',
    async () => {
      const logger = recordingLogger();
      const info = await initBackend({ logger, env: {} });
      if (info.name === 'tensorflow')
        expect(logger.lines).toEqual([`info tfjs backend: ${describeBackend(info)}`]);
      else {
        // Installed but not loadable (e.g. no CUDA): said once, then the next backend in the order.
        expect(info.name).toBe('wasm');
        expect(logger.lines[0]).toMatch(/^warn .*failed to start.*continuing with wasm$/);
      }
      await initBackend({ requested: 'wasm', logger: recordingLogger() });
    },
  );

  it.runIf(!nativeInstalled)(
    'without a request picks wasm here (tfjs-node is not installed), patched, and logs it once',
    async () => {
      const logger = recordingLogger();
      const info = await initBackend({ logger, env: {} });
      expect(info.name).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(info.kernelPatches).toBe(true);
      expect(wasmKernelPatchesInstalled()).toBe(true);
      expect(info.simd).toBe(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
      const again = await initBackend({ logger, env: {} });
      expect(again).toEqual(info);
      // Exactly one line: no warning about the missing native packages, no repeat on the second call.
      expect(logger.lines).toEqual([`info tfjs backend: ${describeBackend(info)}`]);
    },
  );

  it.runIf(!nativeInstalled)(
    'DF_BACKEND=tensorflow without tfjs-node(-gpu) is a BackendError naming the package and the fix',
    async () => {
      const error = await initBackend({ env: { DF_BACKEND: 'tensorflow' }, logger: recordingLogger() }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toContain('DF_BACKEND=tensorflow');
      expect(error.message).toContain('@tensorflow/tfjs-node-gpu');
      expect(error.message).toContain('unset DF_BACKEND');
      // No silent fallback happened: the backend that was active stays active.
      expect(tf.getBackend()).toBe('wasm');
    },
  );

  it('an unknown DF_BACKEND value is a BackendError listing the valid names', async () => {
    const error = await initBackend({ env: { DF_BACKEND: 'gpu' }, logger: recordingLogger() }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toMatch(/DF_BACKEND=gpu.*tensorflow, wasm, cpu/);
  });

  it('the option overrides DF_BACKEND, and a requested cpu backend really runs', async () => {
    const logger = recordingLogger();
    const info = await initBackend({ requested: 'cpu', env: { DF_BACKEND: 'tensorflow' }, logger });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(logger.lines.some((l) => l.includes('tfjs backend: cpu'))).toBe(true);
    const back = await initBackend({ requested: 'wasm', logger });
    expect(back.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.runIf(!nativeInstalled)('a requested tensorflow backend is an error, not a fallback', async () => {
    const error = await initBackend({ requested: 'tensorflow', env: {}, logger: recordingLogger() }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toContain("backend 'tensorflow' was requested");
  });
});
