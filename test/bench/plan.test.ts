/**
 * `bench plan` runs end to end on one cheap case (guidance off) and reports what the issue asks for; the
 * shipped case runs on tiny maze-layout models saved with and without a provenance.planner block. Timings are
 * not asserted (speed targets live in the benchmark output, never in tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import group, { runPlanBench, untrainedMazeConfig } from '../../src/bench/plan.js';
import { ModelFileError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { saveModel, type TrainingProvenance } from '../../src/model/checkpoint.js';
import { createModel, modelParameterCount } from '../../src/model/index.js';
import { defaultPlannerConfig } from '../../src/planner/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { mazeModelConfig } from '../node/maze-model.js';

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
      cellCallsPerPlan: number;
      rowsPerPlan: number;
      warm: boolean;
    }[];
    // Every case runs on both networks ('-plain' twin) so their ratio comes from one run.
    expect(cases.map((c) => c.name)).toEqual(['warm-unguided', 'warm-unguided-plain']);
    for (const warm of cases) {
      expect(warm.warm).toBe(true);
      expect(warm.rowsPerPlan).toBeGreaterThan(0);
      expect(warm.cellCallsPerPlan).toBeGreaterThan(0);
      expect(warm.tensorsAfter).toBe(warm.tensorsBefore);
    }
    expect(cases[1]!.cellCallsPerPlan).toBe(cases[0]!.cellCallsPerPlan);
    // The roof is measured in the same run; plain cases report their dense FLOPs against it.
    const roof = result['roof'] as { singleCoreGflops: number; twoCoreGflops: number | null };
    expect(roof.singleCoreGflops).toBeGreaterThan(0);
    expect(roof.twoCoreGflops).toBeGreaterThan(0);
    const [tfjsCase, plainCase] = cases as unknown as {
      flopsPerPlan: number | null;
      gflops: number | null;
      singleCoreRoofFraction: number | null;
      cellCallsPerPlan: number;
    }[];
    expect(tfjsCase!.flopsPerPlan).toBeNull();
    // Unguided rows run forward only: at least the GRU's recurrent product (3z·z per token) per cell call.
    expect(plainCase!.flopsPerPlan).toBeGreaterThan(2 * plainCase!.cellCallsPerPlan * 3 * 8 * 8);
    expect(plainCase!.gflops).toBeGreaterThan(0);
    expect(plainCase!.singleCoreRoofFraction).toBeCloseTo(plainCase!.gflops! / roof.singleCoreGflops, 2);
    const tensors = result['numTensors'] as { before: number; after: number };
    expect(tensors.after).toBe(tensors.before);
  });

  it('refuses an unknown task, naming the valid ones', async () => {
    // The registry's one-line refusal: the unknown id and the tasks bench serves.
    await expect(group.run({ task: 'maze2d-tiny', filter: 'none' })).rejects.toThrow(
      /unknown task 'maze2d-tiny'; df-planner bench serves: .*maze2d-medium/,
    );
  });
});

describe('bench plan: the shipped case (the settings eval and the node run with the model)', () => {
  const root = mkdtempSync(join(tmpdir(), 'df-bench-plan-'));
  // One models folder per variant, each holding <task>/model.json as models/ does.
  const folders = { tuned: join(root, 'tuned'), plain: join(root, 'plain'), bad: join(root, 'bad') };
  const block = { horizonTokens: 3, mcgSamples: 2, warmStart: false, samplingSteps: 4, seed: 77 };

  beforeAll(async () => {
    await initBackend({ logger: silentLogger });
    const provenance = (extra: Record<string, unknown>): TrainingProvenance =>
      ({
        command: 'made in test/bench/plan.test.ts',
        steps: 0,
        wallTimeSeconds: 0,
        datasetId: 'maze2d-umaze/test',
        seed: 1,
        finalLoss: null,
        tfjsVersion: tf.version.tfjs,
        backend: tf.getBackend(),
        savedAt: '2026-01-01T00:00:00.000Z',
        ...extra,
      }) as TrainingProvenance;
    // F = 2: the umaze's 300 steps are 150 tokens, so every horizon below is the cap, not the episode.
    const model = createModel(mazeModelConfig(2), 5);
    try {
      await saveModel(join(folders.tuned, 'maze2d-umaze'), model, provenance({ planner: block }));
      await saveModel(join(folders.plain, 'maze2d-umaze'), model, provenance({}));
      await saveModel(join(folders.bad, 'maze2d-umaze'), model, provenance({ planner: { horizon: 5 } }));
    } finally {
      model.dispose();
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  interface Shipped {
    case: string;
    horizonTokens: number;
    mcgSamples: number;
    warm: boolean;
    rowsPerPlan: number;
    cellCallsPerPlan: number;
    settingsFrom: string;
    settingsNote: string;
    planner: Record<string, unknown>;
  }
  const run = (modelsDir: string, filter = 'shipped') =>
    runPlanBench({ filter, repeats: 1, task: 'maze2d-umaze', modelsDir });

  it("runs the model's provenance.planner settings (H cap, MCG, cold start, steps), leak-free", async () => {
    const result = await run(folders.tuned);
    const shipped = result['shipped'] as Shipped;
    expect(shipped.case).toBe('shipped-plain');
    expect(shipped.settingsFrom).toBe('model');
    expect(shipped.horizonTokens).toBe(3);
    expect(shipped.mcgSamples).toBe(2);
    expect(shipped.warm).toBe(false);
    // The block wins over the defaults; its seed does not (a run's seed is the caller's, as in eval).
    expect(shipped.planner).toEqual({ ...defaultPlannerConfig, ...block, seed: defaultPlannerConfig.seed });
    // A cold pyramid over H tokens with S steps takes S + (H − 1)·u rows at u = 1 (here 4 + 2).
    expect(shipped.rowsPerPlan).toBe(4 + 2);
    expect(typeof result['shippedMeetsTarget']).toBe('boolean');
    const cases = result['cases'] as { name: string; tensorsBefore: number; tensorsAfter: number }[];
    // MCG 2 on the plain network: also timed on one thread, beside the two-thread split.
    expect(cases.map((c) => c.name)).toEqual(['shipped-plain', 'shipped-plain-1thread']);
    expect(cases.map((c) => (c as unknown as { threads: number }).threads)).toEqual([2, 1]);
    expect(cases[0]!.tensorsAfter).toBe(cases[0]!.tensorsBefore);
    const tensors = result['numTensors'] as { before: number; after: number };
    expect(tensors.after).toBe(tensors.before);
  });

  it('says so and runs the defaults when the model has no planner block', async () => {
    const result = await run(folders.plain);
    const shipped = result['shipped'] as Shipped;
    expect(shipped.settingsFrom).toBe('defaults');
    expect(shipped.settingsNote).toMatch(/no provenance\.planner block/);
    expect(shipped.planner).toEqual({ ...defaultPlannerConfig });
    expect(shipped.horizonTokens).toBe(defaultPlannerConfig.horizonTokens);
    expect(shipped.mcgSamples).toBe(defaultPlannerConfig.mcgSamples);
    expect(shipped.warm).toBe(defaultPlannerConfig.warmStart);
    const cases = result['cases'] as { name: string; tensorsBefore: number; tensorsAfter: number }[];
    expect(cases[0]!.tensorsAfter).toBe(cases[0]!.tensorsBefore);
  });

  it('refuses a malformed block as eval does, but only when the shipped case runs', async () => {
    await expect(run(folders.bad)).rejects.toThrow(ModelFileError);
    await expect(run(folders.bad)).rejects.toThrow(/unknown setting 'horizon'/);
    const other = await run(folders.bad, 'none');
    expect(other['shipped']).toBeNull();
    expect(other['shippedMeetsTarget']).toBeNull();
  });
});
