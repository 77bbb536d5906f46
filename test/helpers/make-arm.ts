/**
 * Test fixture: a real MuJoCo-backed fruit-swap arm env (no mocks). Call `env.close()` in afterAll.
 */
import { type ArmEnvOptions, type ArmSwapEnv, createArmEnv } from '../../sim/arm/arm-env.js';
import { silentLogger } from '../../src/logging.js';

export function makeArm(options: ArmEnvOptions = {}): Promise<ArmSwapEnv> {
  return createArmEnv({ logger: silentLogger, ...options });
}
