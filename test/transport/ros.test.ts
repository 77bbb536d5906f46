/**
 * The transport contract on real ROS 2 through rclnodejs (docs/ros2.md §5.3 T4, ROS half). Runs only where ROS 2 is
 * sourced and rclnodejs@2.2.0 is installed against it; elsewhere it is reported as skipped ("no ROS 2"), never
 * as passed. Record the distro with the result.
 *
 * Time: every node runs with `use_sim_time:=true` and the harness publishes `/clock` in 5 ms steps from a node
 * of its own, waiting until each node has seen the step, so timers fire period by period as on the bus.
 */
import { describe, it } from 'vitest';
import { type Transport, timeFromNs } from '../../src/transport/index.js';
import { createRosTransport } from '../../src/transport/rcl/create-ros-transport.js';
import { runTransportContract } from './transport-contract.js';

const ROS_DISTRO = process.env['ROS_DISTRO'];
const STEP_NS = 5_000_000n;
const WAIT_MS = 3000;

async function waitFor(cond: () => boolean, ms = WAIT_MS): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

if (!ROS_DISTRO) {
  describe('transport contract: rclnodejs', () => {
    it.skip('skipped: no ROS 2 (ROS_DISTRO is not set; source /opt/ros/<distro>/setup.bash and install rclnodejs@2.2.0)', () => {});
  });
} else {
  runTransportContract(`rclnodejs on ROS 2 ${ROS_DISTRO}`, async () => {
    const opts = { handleSignals: false, flushMs: 100 } as const;
    const clockNode = await createRosTransport('contract_clock', [], opts);
    const clock = clockNode.advertise('rosgraph_msgs/msg/Clock', '/clock', 'default');
    clockNode.start();
    const nodes: Transport[] = [];
    let simNow = 0n;
    return {
      exact: false,
      async node(name, ns = '', argv = [], options = {}) {
        const t = await createRosTransport(name, [...argv, '--ros-args', '-p', 'use_sim_time:=true'], {
          ...opts,
          namespace: ns,
          managed: options.managed ?? false,
        });
        nodes.push(t);
        return t;
      },
      async advance(ns) {
        const target = simNow + ns;
        while (simNow < target) {
          simNow = simNow + STEP_NS > target ? target : simNow + STEP_NS;
          clock({ clock: timeFromNs(simNow) });
          const want = simNow;
          await waitFor(() => nodes.every((n) => n.lifecycleState() === 'finalized' || n.nowNs() >= want));
          await new Promise((r) => setTimeout(r, 2));
        }
      },
      async settle(until) {
        if (until) await waitFor(until);
        else await new Promise((r) => setTimeout(r, 200));
      },
      async close() {
        for (const n of nodes) await n.close();
        await clockNode.close();
      },
    };
  });
}
