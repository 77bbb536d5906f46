/**
 * T1 of docs/ros2.md §5.3: type-check the rclnodejs adapter (src/transport) against rclnodejs's own declarations,
 * on any machine, with no ROS and without installing rclnodejs.
 *
 * rclnodejs cannot be a devDependency: its install script builds a native addon and fails without a sourced
 * ROS 2 (so `npm ci` would fail), and `npm ci --ignore-scripts` would skip every other package's scripts too. It
 * is an optional peer dependency instead (package.json), which `npm ci` does not install. So this fetches the
 * published tarball of exactly the version the adapter is written for with `npm pack` (no scripts run), checks
 * it against the pinned integrity, keeps only its `types/` and `package.json` in node_modules/.cache, and runs
 * `tsc -p` on types/tsconfig.rclnodejs.json with `rclnodejs` mapped there. Later runs reuse the cache.
 *
 *   npm run typecheck:rclnodejs          (test/transport/rclnodejs-types.test.ts runs the same in `npm test`)
 *
 * Needs the npm registry (or npm's cache) once. Moving to another rclnodejs version: change both constants
 * below and the peer range in package.json together.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const RCLNODEJS_VERSION = '2.2.0';
/** `npm view rclnodejs@2.2.0 dist.integrity`. */
export const RCLNODEJS_INTEGRITY =
  'sha512-FUbi+e1jdYyJbF60Fg4jtqFvh26wGbNQVyryVTFW+mNMnDUiDAZDDCvA+JKB27Gju/JUXb6nizCA+WsxCz33qA==';

const REPO = join(import.meta.dirname, '..');

export interface TypecheckResult {
  readonly ok: boolean;
  /** tsc's output (errors), or why the declarations could not be obtained. */
  readonly output: string;
  /** Where the declarations were read from. */
  readonly typesDir: string;
}

function run(cmd: string, args: readonly string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Puts rclnodejs's declarations into node_modules/.cache (once) and returns the package folder. */
export function fetchRclnodejsTypes(root = REPO): string {
  const cache = join(root, 'node_modules', '.cache', `df-planner-rclnodejs-${RCLNODEJS_VERSION}`);
  const pkg = join(cache, 'package');
  const stamp = join(cache, 'integrity');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === RCLNODEJS_INTEGRITY) return pkg;
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, 'pack-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const pack = run(npm, ['pack', `rclnodejs@${RCLNODEJS_VERSION}`, '--silent', '--pack-destination', tmp], tmp);
    const tgz = join(tmp, `rclnodejs-${RCLNODEJS_VERSION}.tgz`);
    if (!pack.ok || !existsSync(tgz)) {
      throw new Error(
        `npm pack rclnodejs@${RCLNODEJS_VERSION} failed (is the npm registry reachable?):\n${pack.out}`,
      );
    }
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (integrity !== RCLNODEJS_INTEGRITY) {
      throw new Error(
        `rclnodejs-${RCLNODEJS_VERSION}.tgz has integrity ${integrity}, expected ${RCLNODEJS_INTEGRITY}`,
      );
    }
    const tar = run('tar', ['xzf', tgz, '-C', cache, 'package/package.json', 'package/types'], cache);
    if (!tar.ok) throw new Error(`cannot unpack ${tgz}:\n${tar.out}`);
    writeFileSync(stamp, integrity);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return pkg;
}

/** Type-checks types/rcl-like-check.ts and src/transport against the fetched declarations. */
export function typecheckRclnodejs(root = REPO): TypecheckResult {
  let pkg: string;
  try {
    pkg = fetchRclnodejsTypes(root);
  } catch (err) {
    return { ok: false, output: (err as Error).message, typesDir: '' };
  }
  const dir = join(pkg, '..');
  const up = relative(dir, root);
  // The tsconfig lives next to the declarations, inside the repository, so @types/node and rxjs resolve.
  const config = {
    extends: join(up, 'types', 'tsconfig.rclnodejs.json'),
    compilerOptions: { paths: { rclnodejs: ['./package/types/index.d.ts'] } },
    include: [
      join(up, 'types', 'rcl-like-check.ts'),
      join(up, 'types', 'rclnodejs-interfaces.d.ts'),
      join(up, 'src', 'transport', 'rcl', '*.ts'),
    ],
  };
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, `${JSON.stringify(config, null, 2)}\n`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = run(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], root);
  return { ok: r.ok, output: r.out.trim(), typesDir: join(pkg, 'types') };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const r = typecheckRclnodejs();
  if (r.ok) process.stdout.write(`rclnodejs ${RCLNODEJS_VERSION} declarations (${r.typesDir}): adapter OK\n`);
  else process.stderr.write(`${r.output}\n`);
  process.exitCode = r.ok ? 0 : 1;
}
