import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tiny = ['--latent', '8', '--hidden', '8', '--level-embedding', '8', '--init-encoder-width', '8'];

describe('df-planner train', () => {
  const out = join(dir, 'run');

  it('trains a tiny model, writes the model directory and prints a JSON summary', () => {
    const r = runCli([
      'train',
      '--out',
      out,
      '--steps',
      '6',
      '--batch',
      '4',
      '--tokens',
      '3',
      '--checkpoint-every',
      '3',
      '--seed',
      '5',
      '--json',
      ...tiny,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ out, steps: 6, stepsThisRun: 6, backend: 'wasm', aborted: false });
    expect(summary.finalLoss).toBeGreaterThan(0);
    for (const f of ['model.json', 'weights.bin', 'loss.png', 'train-state.json', 'optimizer.bin']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.modelConfig).toMatchObject({
      latentSize: 8,
      hiddenWidth: 8,
      initLatent: 'learned',
      objective: 'x0',
    });
    expect(json.modelConfig.layout.frameStack).toBe(4);
    expect(json.provenance).toMatchObject({ steps: 6, seed: 5, backend: 'wasm' });
    expect(json.provenance.command).toContain('df-planner train --out');
    expect(json.provenance.datasetId).toMatch(/^oscillator-v1\/F4\//);
    // The header line goes to stderr, never stdout (stdout is the JSON).
    expect(r.stderr).toContain('training oscillator');
  });

  it('--resume continues the run with its saved settings', () => {
    const r = runCli(['train', '--out', out, '--steps', '9', '--resume', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ steps: 9, stepsThisRun: 3 });
    expect(r.stderr).toContain('resuming');
    expect(JSON.parse(readFileSync(join(out, 'train-state.json'), 'utf8')).step).toBe(9);
    // Provenance keeps the first command and lists the resumes.
    const provenance = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).provenance;
    expect(provenance.command).toContain('--steps 6');
    expect(provenance.training.resumedWith).toEqual([
      `df-planner train --out ${out} --steps 9 --resume --json`,
    ]);
  });

  it('--resume --lr-decay-steps adds a decay tail over the last N of the new --steps; untyped, it is kept', () => {
    const decayOf = () =>
      JSON.parse(readFileSync(join(out, 'train-state.json'), 'utf8')).run.optimizer.lrDecay as unknown;
    expect(decayOf()).toBeNull(); // the run so far (9 steps) has a constant lr
    const added = runCli([
      'train',
      '--out',
      out,
      '--steps',
      '12',
      '--resume',
      '--lr-decay-steps',
      '3',
      '--json',
    ]);
    expect(added.status, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ steps: 12, stepsThisRun: 3 });
    expect(decayOf()).toEqual({ startStep: 9, endStep: 12, finalFactor: 0.1 });
    expect(added.stderr).toContain('lr decay over steps 9–12 to ×0.1');
    // Untyped decay flags keep the saved tail (absolute steps), and say so when --steps moved past it.
    const kept = runCli(['train', '--out', out, '--steps', '13', '--resume', '--json']);
    expect(kept.status, kept.stderr).toBe(0);
    expect(decayOf()).toEqual({ startStep: 9, endStep: 12, finalFactor: 0.1 });
    expect(kept.stderr).toContain("keeping the saved run's lr decay over steps 9–12 to ×0.1");
    // A new tail for the new --steps would rewrite updates made under the old one: refused.
    const moved = runCli(['train', '--out', out, '--steps', '16', '--resume', '--lr-decay-steps', '2']);
    expect(moved.status).toBe(1);
    expect(moved.stderr).toMatch(
      /lr decay tail over steps 9–12 \(to ×0\.1\) had begun before its checkpoint at step 13/,
    );
    expect(decayOf()).toEqual({ startStep: 9, endStep: 12, finalFactor: 0.1 });
  });

  it('--lr-decay-steps N --lr-final F on a new run decays over steps [steps − N, steps]', () => {
    const annealed = join(dir, 'annealed');
    const r = runCli([
      'train',
      '--out',
      annealed,
      '--steps',
      '5',
      '--batch',
      '2',
      '--tokens',
      '2',
      '--lr-decay-steps',
      '2',
      '--lr-final',
      '0.5',
      '--json',
      ...tiny,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lrDecay = { startStep: 3, endStep: 5, finalFactor: 0.5 };
    expect(
      JSON.parse(readFileSync(join(annealed, 'train-state.json'), 'utf8')).run.optimizer.lrDecay,
    ).toEqual(lrDecay);
    expect(
      JSON.parse(readFileSync(join(annealed, 'model.json'), 'utf8')).provenance.training.optimizer,
    ).toMatchObject({ lrDecay });
    const tooLong = runCli([
      'train',
      '--out',
      join(dir, 'x'),
      '--steps',
      '5',
      '--lr-decay-steps',
      '6',
      ...tiny,
    ]);
    expect(tooLong.status).toBe(1);
    expect(tooLong.stderr).toContain(
      '--lr-decay-steps: the tail of 6 steps does not fit in --steps 5; lower --lr-decay-steps or raise --steps',
    );
  });

  it('refuses to overwrite a run, and architecture flags that disagree on --resume', () => {
    const again = runCli(['train', '--out', out, '--steps', '3', ...tiny]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds a training run; pass --resume .*--force/);
    const clash = runCli(['train', '--out', out, '--steps', '12', '--resume', '--latent', '16']);
    expect(clash.status).toBe(1);
    expect(clash.stderr).toMatch(
      /--resume: continues the saved model, but --latent describes another architecture/,
    );
  });

  it('--resume on a directory without a run names the directory', () => {
    const missing = join(dir, 'missing');
    const r = runCli(['train', '--out', missing, '--resume']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${missing}: no such model directory`);
  });

  it('reports bad flags and unknown tasks with the fix', () => {
    const bad = runCli([
      'train',
      '--out',
      join(dir, 'x'),
      '--steps',
      '0',
      '--lr',
      'fast',
      '--lr-final',
      '1.5',
      '--lr-decay-steps',
      '2.5',
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--lr-final: 1.5 is above the maximum 1');
    expect(bad.stderr).toContain("--lr-decay-steps: expected a whole number, got '2.5'");
    expect(bad.stderr).toContain('--steps: 0 is below the minimum 1');
    expect(bad.stderr).toContain("--lr: expected a finite number, got 'fast'");
    const task = runCli(['train', '--out', join(dir, 'x'), '--task', 'pendulum']);
    expect(task.status).toBe(1);
    expect(task.stderr).toContain(
      "--task: 'pendulum' is not one of: oscillator, maze2d-umaze, maze2d-medium, maze2d-large, arm-swap",
    );
    const noOut = runCli(['train']);
    expect(noOut.status).toBe(1);
    expect(noOut.stderr).toContain('--out: is required');
  });

  it('prints help from the option table', () => {
    const r = runCli(['train', '--help']);
    expect(r.status).toBe(0);
    // The help wraps at 80 columns: compare the text with its line breaks folded.
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('--checkpoint-every');
    expect(text).toContain('[--lr-decay-steps N [--lr-final F]]');
    expect(text).toMatch(/--lr-final <number> .*range \[0, 1\]; default 0\.1/);
    expect(text).toContain('default 0.0002');
  });
});

describe('df-planner train interrupted', () => {
  it('Ctrl-C (SIGINT) writes a checkpoint and exits 130; --resume then finishes the run', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin/df-planner.js'),
        'train',
        '--out',
        out,
        '--steps',
        '100000',
        '--batch',
        '2',
        '--tokens',
        '2',
        '--checkpoint-every',
        '0',
        ...tiny,
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, DF_BACKEND: 'wasm' },
      },
    );
    let stderr = '';
    let sent = false;
    const status = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // The first progress line means training is under way.
        if (!sent && stderr.includes('step 1/100000')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', (code) => resolve(code));
    });
    expect(status, stderr).toBe(130);
    expect(stderr).toContain('interrupted: finishing the current step and writing a checkpoint');
    const step = JSON.parse(readFileSync(join(out, 'train-state.json'), 'utf8')).step as number;
    expect(step).toBeGreaterThanOrEqual(1);
    expect(step).toBeLessThan(100000);
    const resumed = runCli(['train', '--out', out, '--steps', String(step + 2), '--resume', '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ steps: step + 2, stepsThisRun: 2 });
  });
});
