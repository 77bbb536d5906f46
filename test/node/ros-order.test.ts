/**
 * The planner node under ROS 2's delivery rules, which the bus follows (src/transport/bus/bus-core.ts):
 * (Cross-topic order — rclnodejs's one message per ready subscription per round, in creation order — is still
 * open for the node: see the comment at its subscriptions.)
 * - RViz's 2D Goal Pose publishes volatile: a transient-local subscription alone would never hear it, while a
 *   latched goal published before the planner started must still arrive (and count once).
 * Bus on virtual time, real planner (inline) and a tiny untrained maze model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { MAZE_TOPICS, MAZE_TYPES } from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { timeFromNs } from '../../src/transport/index.js';
import { saveMazeModel } from './maze-model.js';
import { MS, startHarness } from './node-harness.js';

let model: Awaited<ReturnType<typeof saveMazeModel>>;

beforeAll(async () => {
  await initBackend({ requested: 'wasm', logger: silentLogger });
  model = await saveMazeModel({ seed: 4 });
});
afterAll(() => model?.cleanup());

describe('planner node under ROS 2 delivery rules', () => {
  it("takes RViz's volatile 2D Goal Pose, and a latched goal published before it started, once", async () => {
    const h = await startHarness({ model: model.dir, planner_thread: 'inline', lockstep: true });
    try {
      const goals = h.node.counters.goals;
      await h.goal(1, 2, 5n * MS);
      expect(h.node.counters.goals).toBe(goals + 1);
      const rviz = h.bus.node('rviz2');
      const pub = rviz.advertise(MAZE_TYPES.goal, MAZE_TOPICS.goal, 'default');
      rviz.start();
      pub({
        header: { stamp: timeFromNs(50n * MS), frame_id: 'odom' },
        pose: { position: { x: 3, y: 1, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
      });
      await h.bus.idle();
      expect(h.node.counters.goals).toBe(goals + 2);
      expect(h.logs.some((l) => l.includes('new goal (3.000, 1.000)'))).toBe(true);
    } finally {
      await h.close();
    }
  });
});
