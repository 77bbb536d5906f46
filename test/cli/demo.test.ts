import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-demo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('df-planner demo', () => {
  it('loads the shipped model from any working directory and writes the picture', () => {
    const png = join(dir, 'demo.png');
    // Run from the temp dir: the default model path must not depend on the cwd.
    const r = runCli(['demo', '--out', png, '--json'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model).toBe(join(repoRoot, 'models', 'oscillator-demo'));
    expect(out).toMatchObject({ backend: 'wasm', mode: 'pyramid', picture: png });
    expect(out.msPerPlan).toBeGreaterThan(0);
    expect(out.cellCallsPerPlan).toBeGreaterThan(0);
    expect(out.stats).toHaveLength(4);
    expect(out.rollout.finite).toBe(true);
    expect(out.rollout.tokens).toBe(10 * out.horizon);
    expect(PNG.sync.read(readFileSync(png)).width).toBeGreaterThan(800);
  });

  it('prints a human summary', () => {
    const r = runCli(['demo', '--out', join(dir, 'b.png')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend wasm; one plan = pyramid S=20, u=5, H=\d+ tokens .*: [\d.]+ ms/);
    expect(r.stdout).toMatch(/position x\s+-?[\d.]+ \/ -?[\d.]+/);
    expect(r.stdout).toMatch(/10x rollout .*: finite, max \|x\| = [\d.]+ x the data's max/);
    expect(existsSync(join(dir, 'b.png'))).toBe(true);
  });

  it('exits 1 naming a missing model directory', () => {
    const missing = join(dir, 'gone');
    const r = runCli(['demo', '--model', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${missing}: no such model directory`);
  });
});
