/**
 * `createBus()`: the in-process rxjs bus (docs/ros2.md §5.2, right column). Tests use virtual time
 * (`bus.clock.advance(ns)` / `await bus.run(ns)`); the demo and sims run it in real time.
 */
import { type Logger, stderrLogger } from '../../logging.js';
import { parseRosArgs } from '../ros-args.js';
import type { Bus, Transport } from '../types.js';
import { BusCore } from './bus-core.js';
import { BusNode } from './bus-node.js';

export interface BusOptions {
  /** `virtual` (default): time moves only through `clock.advance`/`run`; `real`: wall-clock time and timers. */
  readonly time?: 'virtual' | 'real';
  /** Virtual start time in ns (default 0). */
  readonly startNs?: bigint;
  /** Where node logs go (default stderr). */
  readonly logger?: Logger;
}

export function createBus(options: BusOptions = {}): Bus {
  const core = new BusCore(options.time ?? 'virtual', options.startNs ?? 0n, options.logger ?? stderrLogger);
  const nodes = new Set<BusNode>();
  return {
    clock: core.clock,
    node(name: string, ns = '', argv: readonly string[] = []): Transport {
      const node = new BusNode(core, name, ns, parseRosArgs(argv), (n) => nodes.delete(n));
      for (const other of nodes) {
        if (other.fqn === node.fqn) {
          node.log('warn', `another node named ${node.fqn} is on the bus; names should be unique`);
          break;
        }
      }
      nodes.add(node);
      return node;
    },
    tap(listener) {
      core.taps.add(listener);
      return () => {
        core.taps.delete(listener);
      };
    },
    idle: () => core.idle(),
    run: (ns: bigint) => core.run(ns),
    async close(): Promise<void> {
      for (const node of [...nodes]) await node.close();
      core.close();
    },
  };
}
