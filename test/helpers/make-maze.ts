/**
 * Test fixture: a real MuJoCo-backed Maze2D env (no mocks). The WASM module loads once per test file
 * (process); each env owns its model/data, so call `env.close()` in afterAll.
 */
import { createMazeEnv, type MazeEnv, type MazeEnvOptions } from '../../sim/maze2d/maze-env.js';
import { silentLogger } from '../../src/logging.js';

export function makeMaze(task = 'maze2d-umaze', options: MazeEnvOptions = {}): Promise<MazeEnv> {
  return createMazeEnv(task, { logger: silentLogger, ...options });
}
