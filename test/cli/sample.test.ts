import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-sample-cli-'));
const model = join(dir, 'model');
const encoderModel = join(dir, 'encoder');
const tiny = [
  '--latent',
  '8',
  '--hidden',
  '8',
  '--level-embedding',
  '8',
  '--init-encoder-width',
  '8',
  '--quiet',
];

beforeAll(() => {
  for (const [out, init] of [
    [model, 'learned'],
    [encoderModel, 'encoder'],
  ] as const) {
    const r = runCli([
      'train',
      '--out',
      out,
      '--steps',
      '3',
      '--batch',
      '2',
      '--tokens',
      '3',
      '--init-latent',
      init,
      ...tiny,
    ]);
    expect(r.status, r.stderr).toBe(0);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sampleArgs = ['sample', '--model', model, '--steps', '5', '--horizon', '3', '--batch', '2'];

describe('df-planner sample', () => {
  it('prints denormalised tokens as JSON: [batch][token][F·step]', () => {
    const r = runCli([...sampleArgs, '--json', '--seed', '4']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      model,
      mode: 'pyramid',
      steps: 5,
      horizon: 3,
      batch: 2,
      seed: 4,
      backend: 'wasm',
    });
    expect(out.stepFields).toEqual(['position x', 'position y', 'velocity x', 'velocity y']);
    expect(out.tokens).toHaveLength(2);
    expect(out.tokens[0]).toHaveLength(3);
    expect(out.tokens[0][0]).toHaveLength(16);
    expect(out.tokens.flat(2).every(Number.isFinite)).toBe(true);
    // pyramid S=5, H=3, u=1: rows = S + (H−1)·u + 1 = 8, each re-running 3 tokens.
    expect(out.cellCalls).toBe(24);
    // Same seed, same tokens; another seed, other tokens.
    expect(JSON.parse(runCli([...sampleArgs, '--json', '--seed', '4']).stdout).tokens).toEqual(out.tokens);
    expect(JSON.parse(runCli([...sampleArgs, '--json', '--seed', '5']).stdout).tokens).not.toEqual(
      out.tokens,
    );
  });

  it('continues chunks from zFinal and accepts every schedule mode', () => {
    const r = runCli([...sampleArgs, '--json', '--chunks', '3', '--mode', 'autoregressive']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.tokens[1]).toHaveLength(9);
    for (const mode of ['full_sequence', 'trapezoid']) {
      expect(runCli([...sampleArgs, '--mode', mode, '--json']).status).toBe(0);
    }
  });

  it('prints a table per sequence and writes a PNG with --plot', () => {
    const png = join(dir, 'plots', 'sample.png');
    const r = runCli([...sampleArgs, '--plot', png]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pyramid, S=5, H=3 tokens/);
    expect(r.stdout).toMatch(/token\s+step\s+position x\s+position y\s+velocity x\s+velocity y/);
    // 3 tokens × 4 frames = 12 env steps per sequence, 2 sequences.
    expect(r.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\s+-?\d/.test(l))).toHaveLength(24);
    const image = PNG.sync.read(readFileSync(png));
    expect(image.width).toBeGreaterThan(400);
  });

  it('needs --observation for a model that starts from an observation', () => {
    const base = ['sample', '--model', encoderModel, '--steps', '3', '--horizon', '2', '--json'];
    const missing = runCli(base);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('initLatent encoder');
    const wrong = runCli([...base, '--observation', '1,2']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(
      '--observation needs 4 finite numbers (position x, position y, velocity x, velocity y)',
    );
    const ok = runCli([...base, '--observation', '0.5,-0.2,1,0']);
    expect(ok.status, ok.stderr).toBe(0);
  });

  it('exits 1 naming the missing model directory', () => {
    const missing = join(dir, 'no-such-model');
    const r = runCli(['sample', '--model', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`df-planner sample: ${missing}: no such model directory`);
  });

  it('exits 1 naming a truncated weights file', () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    for (const f of ['model.json', 'weights.bin']) copyFileSync(join(model, f), join(broken, f));
    truncateSync(join(broken, 'weights.bin'), 100);
    const r = runCli(['sample', '--model', broken]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(broken, 'weights.bin')}: is 100 bytes`);
    expect(existsSync(join(broken, 'model.json'))).toBe(true);
  });

  it('rejects a bad mode with the valid ones', () => {
    const r = runCli([...sampleArgs, '--mode', 'zigzag']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "--mode: 'zigzag' is not one of: pyramid, full_sequence, autoregressive, trapezoid",
    );
  });
});
