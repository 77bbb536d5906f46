/** `bench train` / `bench sample` print the documented JSON and leak no tensors (speed is not asserted here). */
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('df-planner bench train / sample', () => {
  // Six step cases (tfjs and plain, one of them starting two worker threads) plus the roof: a few seconds
  // each on a quiet machine, minutes on a crowded one.
  it('bench train: one timed step of the maze-sized model, JSON with the headline fields', {
    timeout: 300_000,
  }, () => {
    const r = runCli(['bench', 'train', '--json', '--repeats', '1', '--filter', 'train-step-T60-B64']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      group: 'train',
      backend: 'wasm',
      tokens: 60,
      batch: 64,
      tokenSize: 70,
      targetStepMs: 300,
    });
    expect(out.parameterCount).toBeGreaterThan(140_000);
    expect(out.parameterCount).toBeLessThan(160_000);
    expect(out.parameterCount4Layer).toBeGreaterThan(140_000);
    expect(out.parameterCount4Layer).toBeLessThan(160_000);
    expect(out.stepMsMedian).toBeGreaterThan(0);
    expect(out.stepsPerSecond).toBeCloseTo(1000 / out.stepMsMedian, 1);
    expect(out.cases.map((c: { name: string }) => c.name)).toEqual([
      'train-step-T60-B64',
      'train-step-T60-B64-plain',
      'train-step-T60-B64-plain-2workers',
      'train-step-T60-B64-autodiff',
      'train-step-T60-B64-4layer',
      'train-step-T60-B64-4layer-plain',
    ]);
    for (const c of out.cases) {
      expect(c.tensorsAfter, c.name).toBe(c.tensorsBefore);
      // Every step case: dense FLOPs over its median, and that rate against the roof measured in the run.
      expect(c.gflops, c.name).toBeCloseTo(c.flopsPerStep / (c.medianMs * 1e6), 1);
      expect(c.singleCoreRoofFraction, c.name).toBeCloseTo(c.gflops / out.roof.singleCoreGflops, 2);
    }
    // The reference config: 2·T·B·(3·130,752 − 70·192) dense FLOPs per step.
    expect(out.cases[0].flopsPerStep).toBe(2 * 3840 * (3 * 130_752 - 70 * 192));
    expect(out.tfjsStepMsMedian).toBe(out.stepMsMedian);
    expect(['train-step-T60-B64-plain', 'train-step-T60-B64-plain-2workers']).toContain(out.fastCase);
    expect(out.fastStepMsMedian).toBe(
      Math.min(
        ...out.cases
          .filter((c: { name: string }) => c.name.includes('plain') && !c.name.includes('4layer'))
          .map((c: { medianMs: number }) => c.medianMs),
      ),
    );
    expect(out.speedup).toBeCloseTo(out.tfjsStepMsMedian / out.fastStepMsMedian, 1);
    expect(out.roof.singleCoreGflops).toBeGreaterThan(0);
    expect(out.machine.cores).toBeGreaterThan(0);
  });

  it('bench sample: a batch-1 pyramid plan and its cell-call count', () => {
    const r = runCli(['bench', 'sample', '--json', '--repeats', '1', '--filter', 'pyramid-S50-H16-B1']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ group: 'sample', backend: 'wasm', horizon: 16, steps: 50, uncertainty: 1 });
    // (S + (H−1)·u + 1)·H = (50 + 15 + 1)·16
    expect(out.cellCallsPerSample).toBe(1056);
    expect(out.sampleMsMedian).toBeGreaterThan(0);
    expect(out.cases).toHaveLength(1);
    expect(out.cases[0].tensorsAfter).toBe(out.cases[0].tensorsBefore);
  });
});
