/**
 * `bench latency` (issue 14 item 3): the sweep's parts. A real two-point sweep (umaze, one short episode per
 * point: lockstep reference, real time at +0 and +100 ms) shows the delay reaching the planner; the picture is
 * rendered from those points.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultVariants,
  latencyPlotPng,
  latencySweep,
  parseDelays,
  parseVariants,
} from '../../src/cli/bench-latency.js';
import { repoRoot } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-bench-latency-'));
const model = join(dir, 'umaze');
cpSync(join(repoRoot, 'models', 'maze2d-umaze'), model, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench latency', () => {
  it('parses delays and variants, refusing bad ones with the flag named', () => {
    expect(parseDelays('0, 50,150')).toEqual([0, 50, 150]);
    expect(() => parseDelays('0,-5')).toThrow(/--delays/);
    expect(parseVariants('hold;ahead=plan_timing:=ahead,replan_period:=5')).toEqual([
      { name: 'hold', params: [] },
      { name: 'ahead', params: ['plan_timing:=ahead', 'replan_period:=5'] },
    ]);
    expect(() => parseVariants('x=horizon')).toThrow(/--variants/);
    expect(defaultVariants()[0]!.name).toBe('hold');
  });

  it('sweeps the added latency in real time beside a lockstep reference, and draws it', async () => {
    const points = await latencySweep({
      task: 'maze2d-umaze',
      modelDir: model,
      episodes: 1,
      seed: 2,
      delaysMs: [0, 100],
      variants: [{ name: 'hold', params: [] }],
      maxSteps: 60,
    });
    expect(points.map((p) => [p.variant, p.mode, p.delayMs])).toEqual([
      ['lockstep', 'lockstep', null],
      ['hold', 'realtime', 0],
      ['hold', 'realtime', 100],
    ]);
    for (const p of points) {
      expect(p.simSteps).toBe(60);
      expect(Number.isFinite(p.normalizedScore.mean)).toBe(true);
      expect(p.staleStepFraction).toBeGreaterThanOrEqual(0);
    }
    // The delay is the planner's: every plan back in the +100 ms point took at least that long (on a loaded
    // machine the cold first plan may outlast the short episode: then no plan came back to measure).
    expect(points[2]!.planLatencyMs.median ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(100);
    // The lockstep reference waits for every plan.
    expect(points[0]!.planLatencyMs.median).not.toBeNull();
    const png = PNG.sync.read(latencyPlotPng(points, 'test'));
    expect(png.width).toBeGreaterThan(800);
  });
});
