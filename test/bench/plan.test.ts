/**
 * `bench plan` runs end to end on one cheap case (guidance off) and reports what the issue asks for. Timings
 * are not asserted (speed targets live in the benchmark output, never in tests).
 */
import { describe, expect, it } from 'vitest';
import group, { untrainedMazeConfig } from '../../src/bench/plan.js';
import { InputError } from '../../src/errors.js';
import { modelParameterCount } from '../../src/model/index.js';

describe('bench plan', () => {
  it('the untrained stand-in has the training command architecture (155,622 parameters)', () => {
    expect(modelParameterCount(untrainedMazeConfig())).toBe(155_622);
  });

  it('reports per-case timing, cell calls and flat tensor counts', async () => {
    const result = await group.run({ filter: 'warm-unguided', repeats: 1, task: 'maze2d-umaze' });
    expect(result['task']).toBe('maze2d-umaze');
    expect(result['horizonTokens']).toBe(30);
    expect(['trained', 'untrained']).toContain((result['model'] as { kind: string }).kind);
    const cases = result['cases'] as {
      name: string;
      tensorsBefore: number;
      tensorsAfter: number;
      cellCallsPerTick: number;
      rowsPerTick: number;
      warm: boolean;
    }[];
    // Every case runs on both networks ('-plain' twin) so their ratio comes from one run.
    expect(cases.map((c) => c.name)).toEqual(['warm-unguided', 'warm-unguided-plain']);
    for (const warm of cases) {
      expect(warm.warm).toBe(true);
      expect(warm.rowsPerTick).toBeGreaterThan(0);
      expect(warm.cellCallsPerTick).toBeGreaterThan(0);
      expect(warm.tensorsAfter).toBe(warm.tensorsBefore);
    }
    expect(cases[1]!.cellCallsPerTick).toBe(cases[0]!.cellCallsPerTick);
    const tensors = result['numTensors'] as { before: number; after: number };
    expect(tensors.after).toBe(tensors.before);
  });

  it('refuses an unknown task, naming the valid ones', async () => {
    await expect(group.run({ task: 'maze2d-tiny', filter: 'none' })).rejects.toThrow(InputError);
  });
});
