/**
 * plan_delay_ms (issue 14 item 3): artificial planning latency for latency experiments. The planner thread stays
 * busy that long after each plan, so the node sees a slower planner (its plan latency grows by the delay);
 * the plan itself is unchanged. A dynamic parameter: a change applies from the next plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { initBackend } from '../../src/tensor/backend.js';
import { saveMazeModel, TEST_F } from './maze-model.js';
import { PERIOD, startHarness, trajectory } from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

describe('plan_delay_ms', () => {
  it('adds its delay to every plan the node waits for, and the commands stay those of the undelayed planner', async () => {
    const plain = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    const slow = await startHarness({
      model: model.dir,
      planner_thread: 'inline',
      lockstep: true,
      plan_delay_ms: '100.0',
    });
    try {
      const states = trajectory(2 * TEST_F);
      for (const [i, [x, y, vx, vy]] of states.entries()) {
        await plain.odom(x, y, vx, vy, BigInt(i + 1) * PERIOD);
        await slow.odom(x, y, vx, vy, BigInt(i + 1) * PERIOD);
      }
      expect(slow.node.counters.plans).toBe(2);
      expect(slow.commands.map((c) => c.wrench.force)).toEqual(plain.commands.map((c) => c.wrench.force));
      expect(slow.node.planLatency.percentile(0)!).toBeGreaterThanOrEqual(100);

      // Dynamic: set at runtime, it applies from the next plan (the next token boundary waits for it).
      expect(plain.plannerTransport.setParams({ plan_delay_ms: 100.0 })).toBeNull();
      const started = performance.now();
      await plain.odom(2, 2, 0, 0, BigInt(states.length + 1) * PERIOD);
      expect(plain.node.counters.plans).toBe(3);
      expect(performance.now() - started).toBeGreaterThanOrEqual(100);
      expect(plain.node.planLatency.max!).toBeGreaterThanOrEqual(100);
    } finally {
      await plain.close();
      await slow.close();
    }
  });
});
