/**
 * `createRosTransport(name, argv)`: a `Transport` on real ROS 2 through rclnodejs 2.2.0.
 *
 * rclnodejs is an optional peer dependency of this package (package.json; its install fails without a sourced ROS,
 * docs/ros2.md §1.2). On a ROS machine: `source /opt/ros/<distro>/setup.bash && npm install rclnodejs@2.2.0`. This
 * file is the only place that loads it, by dynamic `import()` (default export, §1.1), and only after checking,
 * without importing, that ROS is sourced, that Node.js is recent enough for it, and that a native addon exists —
 * importing rclnodejs without one would start a synchronous 5-minute `npm run rebuild`.
 *
 * Before rcl sees the arguments, their parameter overrides are read with rclnodejs's rules
 * (../param-overrides.ts), so an integer array is refused with our message instead of rclnodejs's type error.
 *
 * Signals: rclnodejs installs a SIGINT handler that shuts everything down at once; we remove it and install our
 * own for SIGINT and SIGTERM (launch sends SIGTERM after `sigterm_timeout`): close the transport (lifecycle
 * shutdown hook, `onShutdown` hooks → zero command, flush), `rcl.shutdown(context)`, then re-raise the signal so the
 * process ends with the usual status. Pass `handleSignals: false` to manage signals yourself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError, TransportError } from '../../errors.js';
import { overridesForNode } from '../param-overrides.js';
import { parseRosArgs, type RosArgs } from '../ros-args.js';
import type { Transport } from '../types.js';
import type { RclLike, RclNodeLike } from './rcl-like.js';
import { RclTransport } from './rcl-transport.js';

/** rclnodejs 2.2.0's `engines.node` (its package.json). */
export const RCLNODEJS_MIN_NODE = '20.20.2';

export const NEEDS_ROS_MESSAGE =
  "transport 'ros' needs ROS 2: source /opt/ros/<distro>/setup.bash, then npm install rclnodejs@2.2.0 (it builds against the sourced ROS); or use --transport bus";

/** The module specifier, in a variable so that tsc does not need rclnodejs's typings to compile this file. */
const RCLNODEJS = 'rclnodejs';

export interface RosTransportOptions {
  /** Namespace (argv `-r __ns:=` still wins, as rcl applies remaps). */
  readonly namespace?: string;
  /** Environment to check for a sourced ROS (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Loads rclnodejs (default: the guarded dynamic import). Tests pass a FakeRcl here. */
  readonly load?: () => Promise<RclLike>;
  /** Install SIGINT/SIGTERM handlers that close the node, shut rcl down and re-raise (default true). */
  readonly handleSignals?: boolean;
  /** Delay before the node is destroyed on close, so the zero command leaves DDS (default 50 ms). */
  readonly flushMs?: number;
  /**
   * Create a managed node (`rcl.lifecycle.LifecycleNode`, with the lifecycle services); default false, a plain
   * `rcl.Node`. rclnodejs fixes the kind at construction, so it cannot wait for a `managed` parameter.
   */
  readonly managed?: boolean;
  /** Node.js version to check against rclnodejs's engine range (default `process.versions.node`). */
  readonly nodeVersion?: string;
}

/** Whether `version` (x.y.z) is at least `min`. */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.replace(/^v/, '').split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Throws TransportError when Node.js is older than rclnodejs 2.2 needs. */
export function assertNodeVersion(version: string): void {
  if (!versionAtLeast(version, RCLNODEJS_MIN_NODE)) {
    throw new TransportError(
      `rclnodejs 2.2 needs Node.js >= ${RCLNODEJS_MIN_NODE}, this is ${version}: install a newer Node.js (Ubuntu's apt nodejs is older; use NodeSource or nvm), or use --transport bus`,
    );
  }
}

/** Throws TransportError unless a ROS 2 environment is sourced. */
export function assertRosSourced(env: Readonly<Record<string, string | undefined>>): void {
  if (!env['ROS_DISTRO'] || !env['AMENT_PREFIX_PATH']) throw new TransportError(NEEDS_ROS_MESSAGE);
}

/**
 * The codename rclnodejs picks prebuilt addons by: `VERSION_CODENAME` of /etc/os-release and nothing else
 * (lib/utils.js:172-185 of rclnodejs 2.2.0). On a derivative (Linux Mint: VERSION_CODENAME=wilma,
 * UBUNTU_CODENAME=noble) it finds no prebuilt and builds from source, so we must not look further either.
 */
export function osCodename(osRelease: string): string | undefined {
  const value = /^VERSION_CODENAME=(.*)$/m.exec(osRelease)?.[1]?.trim();
  return value ? value : undefined;
}

function ubuntuCodename(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return osCodename(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Where rclnodejs's native addon would come from, without importing it: a build in `build/Release`, or the
 * prebuilt binary for this ROS distro, Ubuntu codename and architecture. Returns null when importing would
 * trigger a source build.
 */
export function findNativeAddon(
  packageDir: string,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const built = join(packageDir, 'build', 'Release', 'rclnodejs.node');
  if (existsSync(built)) return built;
  const codename = ubuntuCodename();
  if (!codename || !env['ROS_DISTRO']) return null;
  const prebuilt = join(
    packageDir,
    'prebuilds',
    `${process.platform}-${process.arch}`,
    `${env['ROS_DISTRO']}-${codename}-${process.arch}-node-rclnodejs.node`,
  );
  return existsSync(prebuilt) ? prebuilt : null;
}

async function loadRclnodejs(env: Readonly<Record<string, string | undefined>>): Promise<RclLike> {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(RCLNODEJS);
  } catch (err) {
    throw new TransportError(`rclnodejs is not installed. ${NEEDS_ROS_MESSAGE}`, { cause: err });
  }
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  if (env['RCLNODEJS_FORCE_BUILD'] === '1' || !findNativeAddon(dir, env)) {
    throw new TransportError(
      `rclnodejs in ${dir} has no native addon for ROS_DISTRO=${env['ROS_DISTRO']}; importing it would start a 5-minute source build. With ROS sourced, run: npm rebuild rclnodejs (or reinstall rclnodejs@2.2.0)`,
    );
  }
  try {
    const mod = (await import(RCLNODEJS)) as { default?: RclLike };
    if (!mod.default || typeof mod.default.init !== 'function') {
      throw new TransportError(
        'rclnodejs loaded but has no default export with init(); expected rclnodejs 2.x',
      );
    }
    return mod.default;
  } catch (err) {
    if (err instanceof TransportError) throw err;
    throw new TransportError(
      `loading rclnodejs failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/**
 * Reads the parameter overrides of `argv` as rclnodejs will (our ConfigError for what would make rclnodejs throw
 * its own error at node creation). Arguments our parser does not know are left to rcl, which is the authority.
 */
function checkOverrides(name: string, argv: readonly string[]): void {
  let args: RosArgs;
  try {
    args = parseRosArgs(argv);
  } catch (err) {
    if (err instanceof ConfigError) return;
    throw err;
  }
  overridesForNode(args.params, args.nodeName ?? name);
}

/**
 * Create a ROS 2 node transport. `argv` is the program's argument list; its `--ros-args` sections (`-p`,
 * `--params-file`, `-r`, `__node`, `__ns`) are applied by rcl.
 */
export async function createRosTransport(
  name: string,
  argv: readonly string[],
  options: RosTransportOptions = {},
): Promise<Transport> {
  const env = options.env ?? process.env;
  assertRosSourced(env);
  assertNodeVersion(options.nodeVersion ?? process.versions.node);
  checkOverrides(name, argv);
  const rcl = await (options.load ?? (() => loadRclnodejs(env)))();
  // The import installed a SIGINT handler that would shut rcl down before our zero command goes out.
  rcl.removeSignalHandlers();
  // A context of its own: rcl reads `--ros-args` per context, and LifecycleNode takes no per-node arguments.
  const context = new rcl.Context();
  await rcl.init(context, [...argv]);
  rcl.removeSignalHandlers();
  let node: RclNodeLike;
  try {
    const ns = options.namespace ?? '';
    node = options.managed
      ? new rcl.lifecycle.LifecycleNode(name, ns, context, undefined, true)
      : new rcl.Node(name, ns, context);
  } catch (err) {
    rcl.shutdown(context);
    throw new TransportError(
      `cannot create ROS node '${name}': ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  const handlers: { signal: NodeJS.Signals; fn: () => void }[] = [];
  const transport = new RclTransport(rcl, node, {
    managed: options.managed ?? false,
    ...(options.flushMs !== undefined ? { flushMs: options.flushMs } : {}),
    afterClose: () => {
      for (const h of handlers) process.removeListener(h.signal, h.fn);
      if (!context.isShutdown()) rcl.shutdown(context);
    },
  });
  if (options.handleSignals ?? true) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const fn = (): void => {
        transport.close().then(
          () => process.kill(process.pid, signal),
          () => process.kill(process.pid, signal),
        );
      };
      handlers.push({ signal, fn });
      process.once(signal, fn);
    }
  }
  return transport;
}
