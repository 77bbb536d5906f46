/**
 * Loads the MuJoCo WASM module (npm `mujoco`) once per process. Starting the module costs ~150–350 ms, so
 * every simulator shares one cached promise. A failed start is not cached: the next call tries again.
 *
 * The Emscripten runtime prints MuJoCo warnings with printf; left alone that goes to stdout, which belongs
 * to command output (`--json`). We route both streams to a Logger (stderr by default).
 */
import type { MainModule } from 'mujoco';
import { type Logger, stderrLogger } from '../../src/logging.js';
import { MujocoError } from './mujoco-error.js';

export type MujocoModule = MainModule;

let pending: Promise<MujocoModule> | undefined;
let logger: Logger = stderrLogger;

export interface LoadMujocoOptions {
  /** Receives engine output (warnings). The last caller's logger wins; the module itself is shared. */
  logger?: Logger;
}

export function loadMujoco(options: LoadMujocoOptions = {}): Promise<MujocoModule> {
  if (options.logger) logger = options.logger;
  if (!pending) {
    pending = start().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
  }
  return pending;
}

/** Engine version string, e.g. '3.5.1' (the npm package version does not track it). */
export function mujocoVersion(mj: MujocoModule): string {
  return mj.mj_versionString();
}

async function start(): Promise<MujocoModule> {
  let factory: (options?: unknown) => Promise<MujocoModule>;
  try {
    factory = (await import('mujoco')).default;
  } catch (error) {
    throw new MujocoError(
      `cannot import the 'mujoco' package (${String(error)}); run 'npm install' in the project`,
      {
        cause: error,
      },
    );
  }
  try {
    return await factory({
      print: (line: string) => logger.info(`mujoco: ${line}`),
      printErr: (line: string) => logger.warn(`mujoco: ${line}`),
    });
  } catch (error) {
    throw new MujocoError(`the MuJoCo WASM module failed to start: ${String(error)}`, { cause: error });
  }
}
