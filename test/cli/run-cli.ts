/** Runs `node bin/df-planner.js …` from the repository root; returns exit status, stdout and stderr. */
import { spawnSync } from 'node:child_process';
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
