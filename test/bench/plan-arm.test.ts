/**
 * `bench plan --task arm-swap` runs its three cases on a tiny arm-layout model in models/arm-swap of a temporary
 * models folder: per-token numbers, the model's planner block, flat tensor counts. Timings are not asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlanBench } from '../../src/bench/plan.js';
import { silentLogger } from '../../src/logging.js';
import type { DfModel } from '../../src/model/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { saveTinyArmModel } from '../helpers/tiny-arm-model.js';

const modelsDir = mkdtempSync(join(tmpdir(), 'df-bench-arm-'));
let model: DfModel;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveTinyArmModel(join(modelsDir, 'arm-swap'));
});
afterAll(() => {
  model.dispose();
  rmSync(modelsDir, { recursive: true, force: true });
});

describe('bench plan --task arm-swap', () => {
  it('times observe×F + plan per token for the shipped, reencode and noisy-noised cases on one thread', async () => {
    const result = await runPlanBench({ task: 'arm-swap', modelsDir, repeats: 2 });
    expect(result).toMatchObject({ task: 'arm-swap', frameStack: 5, threads: 1, targets: { tokenMs: 20 } });
    expect((result['planner'] as { latentMode: string }).latentMode).toBe('posterior');
    const cases = result['cases'] as {
      name: string;
      tokenMsMedian: number;
      cellCallsPerPlan: number;
      tensorsBefore: number;
      tensorsAfter: number;
      planner: { latentMode: string; noisyAbsorb: string };
    }[];
    expect(cases.map((c) => c.name)).toEqual(['shipped', 'reencode', 'shipped-noisy-noised']);
    expect(cases.map((c) => c.planner.latentMode)).toEqual(['posterior', 'reencode', 'posterior']);
    expect(cases[2]!.planner.noisyAbsorb).toBe('noised');
    for (const c of cases) {
      expect(c.tokenMsMedian).toBeGreaterThan(0);
      expect(c.cellCallsPerPlan).toBe(3); // S = 3 rows over H = 1 token
      expect(c.tensorsAfter).toBe(c.tensorsBefore);
    }
    expect(typeof result['meetsTarget']).toBe('boolean');
  });

  it('says so when models/arm-swap does not exist', async () => {
    const result = await runPlanBench({ task: 'arm-swap', modelsDir: join(modelsDir, 'none') });
    expect(result['model']).toBeNull();
    expect(String(result['note'])).toMatch(/no model\.json/);
  });
});
