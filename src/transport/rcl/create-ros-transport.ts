/**
 * `createRosTransport(name, argv)`: a `Transport` on real ROS 2 through rclnodejs 2.2.0.
 *
 * rclnodejs is not a dependency of this package (its install fails without a sourced ROS, docs/ros2.md §1.2). On a
 * ROS machine: `source /opt/ros/<distro>/setup.bash && npm install rclnodejs@2.2.0`. This file is the only
 * place that loads it, by dynamic `import()` (default export, §1.1), and only after checking, without
 * importing, that ROS is sourced and a native addon exists — importing rclnodejs without one would start a
 * synchronous 5-minute `npm run rebuild`.
 *
 * Signals: rclnodejs installs a SIGINT handler that shuts everything down at once; we remove it and install our
 * own for SIGINT and SIGTERM (launch sends SIGTERM after `sigterm_timeout`): close the transport (lifecycle
 * shutdown hook, `onShutdown` hooks → zero command, flush), `rcl.shutdown(context)`, then re-raise the signal so the
 * process ends with the usual status. Pass `handleSignals: false` to manage signals yourself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TransportError } from '../../errors.js';
import type { Transport } from '../types.js';
import type { RclLike } from './rcl-like.js';
import { RclTransport } from './rcl-transport.js';

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
}

/** Throws TransportError unless a ROS 2 environment is sourced. */
export function assertRosSourced(env: Readonly<Record<string, string | undefined>>): void {
  if (!env['ROS_DISTRO'] || !env['AMENT_PREFIX_PATH']) throw new TransportError(NEEDS_ROS_MESSAGE);
}

function ubuntuCodename(): string | undefined {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^UBUNTU_CODENAME=(\w+)/m.exec(text)?.[1] ?? /^VERSION_CODENAME=(\w+)/m.exec(text)?.[1];
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
  const rcl = await (options.load ?? (() => loadRclnodejs(env)))();
  // The import installed a SIGINT handler that would shut rcl down before our zero command goes out.
  rcl.removeSignalHandlers();
  // A context of its own: rcl reads `--ros-args` per context, and LifecycleNode takes no per-node arguments.
  const context = new rcl.Context();
  await rcl.init(context, [...argv]);
  rcl.removeSignalHandlers();
  let node: InstanceType<RclLike['lifecycle']['LifecycleNode']>;
  try {
    node = new rcl.lifecycle.LifecycleNode(name, options.namespace ?? '', context, undefined, true);
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
