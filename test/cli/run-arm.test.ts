/**
 * `df-planner run --task arm-swap` in-process (runArmPair): the arm sim node and the planner node on one bus,
 * lockstep, a tiny untrained arm model (the real planner: nothing faked). Every step gets a finite joint-target
 * command, the episode ends with its record, the planner holds the measured joints when it closes, and the
 * summary and the picture come out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armRunPicture, armSummary, runArmPair } from '../../src/cli/run-arm.js';
import { silentLogger } from '../../src/logging.js';
import { initBackend } from '../../src/tensor/backend.js';
import { armPlannerStarts, saveArmModel } from '../node/arm-model.js';

let model: { dir: string; cleanup: () => void };
const dir = mkdtempSync(join(tmpdir(), 'df-run-arm-'));

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveArmModel();
}, 60_000);
afterAll(() => {
  model.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('run --task arm-swap (in-process pair)', () => {
  it('lockstep: every step answered, the record, the hold on close, the summary and the picture', async (ctx) => {
    if (!(await armPlannerStarts(model.dir)))
      ctx.skip('the agent cannot plan the arm unguided yet (no objective fits its layout)');
    const r = await runArmPair({
      task: 'arm-swap',
      modelDir: model.dir,
      lockstep: true,
      seed: 1,
      episodes: 1,
      maxSteps: 12,
      plannerThread: 'inline',
      passThrough: [
        '-p',
        'planner:horizon:=2',
        '-p',
        'planner:sampling_steps:=2',
        '-p',
        'planner:warm_steps_left:=1',
        '-p',
        'planner:warm_rows:=2',
        '-p',
        'planner:guidance_scale:=0.0',
      ],
      logger: silentLogger,
    });
    const e = r.report.episodes[0]!;
    expect(e.steps).toBe(12);
    expect(e.commandsApplied).toBe(12);
    expect(e.rejected.non_finite).toBe(0);
    expect(['AB', 'BA']).toContain(e.case);
    expect(r.counters.plans).toBeGreaterThan(0);
    expect(r.counters.nonFiniteCommands).toBe(0);
    // Closing: the last targets seen are the measured joints held (finite, not zeros).
    const last = r.stopCommands.at(-1)!;
    expect(last).toHaveLength(6);
    expect(last.every(Number.isFinite)).toBe(true);
    expect(last.some((v) => v !== 0)).toBe(true);
    const { text, json } = armSummary(r, {
      model: model.dir,
      modelSteps: 0,
      mode: 'lockstep',
      seed: 1,
      picture: 'x.png',
    });
    expect(text).toMatch(/episode 0 \(case (AB|BA)\): not swapped after 12 steps/);
    expect(text).toMatch(/success {11}0\.0 % \(0 of 1/);
    expect(json['successRate']).toBe(0);
    const png = armRunPicture(r.report, 'test');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
