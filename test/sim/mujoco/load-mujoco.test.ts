import { describe, expect, it } from 'vitest';
import { loadMujoco, mujocoVersion } from '../../../sim/mujoco/load-mujoco.js';

describe('loadMujoco', () => {
  it('starts the module once per process and reports engine 3.5.1', async () => {
    const [a, b] = await Promise.all([loadMujoco(), loadMujoco()]);
    expect(a).toBe(b);
    expect(await loadMujoco()).toBe(a);
    // The golden vectors in docs/maze2d.md §5.5 were measured on this engine; a different one must fail loudly.
    expect(mujocoVersion(a)).toBe('3.5.1');
  });
});
