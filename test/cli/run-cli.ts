/** Runs `node bin/df-planner.js …` from the repository root; returns exit status, stdout and stderr. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

export function runCli(
  args: string[],
  options: { cwd?: string } = {},
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/df-planner.js'), ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: { ...process.env, DF_BACKEND: 'wasm' },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `runCli` without blocking, so a test can run several commands at once (each takes a second to start). */
export function runCliAsync(
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ status: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/df-planner.js'), ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, DF_BACKEND: 'wasm' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ status: code ?? (signal ? 128 : -1), stdout, stderr, ms: performance.now() - started }),
    );
  });
}
