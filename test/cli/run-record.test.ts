/**
 * `df-planner run --record`: the main job's bus (sim node + planner node, lockstep, shipped umaze model, a short
 * episode) recorded to a ROS 2 bag; every message of every topic decodes with the bag's own published
 * definitions, and the bag holds what the run did (one command per sim step, the plans, the diagnostics).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BusOutputs } from '../../src/cli/bus-outputs.js';
import { runMazePair } from '../../src/cli/run.js';
import { silentLogger } from '../../src/logging.js';
import { readBag } from '../helpers/read-bag.js';
import { repoRoot } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'df-run-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --record', () => {
  it('writes a bag of the whole run that decodes completely', async () => {
    const model = join(dir, 'model');
    cpSync(join(repoRoot, 'models', 'maze2d-umaze'), model, { recursive: true });
    const file = join(dir, 'run.mcap');
    const outputs = await BusOutputs.open({ record: file, logger: silentLogger });
    const steps = 30;
    const result = await runMazePair({
      task: 'maze2d-umaze',
      modelDir: model,
      lockstep: true,
      seed: 0,
      episodes: 1,
      maxSteps: steps,
      backend: 'wasm',
      plannerThread: 'inline', // the bag is the point here, not the worker thread (run-lockstep-e2e covers it)
      logger: silentLogger,
      busOutputs: outputs,
    });
    const { bag: summary } = await outputs.close(); // already closed by the run: the same summary
    expect(summary).toMatchObject({ dropped: 0, failed: 0 });

    const bag = await readBag(file); // decodes every message (throws on the first that does not)
    expect(bag.messages).toHaveLength(summary!.messages);
    expect(bag.statistics?.messageCount).toBe(BigInt(summary!.messages));
    const count = (type: string) => bag.messages.filter((m) => m.type === type).length;
    expect(new Set(bag.channels.map((c) => c.schemaName))).toEqual(
      new Set([
        'nav_msgs/msg/Odometry',
        'geometry_msgs/msg/Vector3Stamped',
        'geometry_msgs/msg/PoseStamped',
        'geometry_msgs/msg/WrenchStamped',
        'nav_msgs/msg/Path',
        'diagnostic_msgs/msg/DiagnosticArray',
        'rosgraph_msgs/msg/Clock',
      ]),
    );
    // Lockstep: one command per step (plus the zero command on close), a plan per token of 10 steps.
    expect(result.report.episodes[0]!.steps).toBe(steps);
    expect(count('geometry_msgs/msg/WrenchStamped')).toBeGreaterThanOrEqual(steps);
    expect(count('nav_msgs/msg/Path')).toBe(result.counters.plans);
    expect(count('nav_msgs/msg/Odometry')).toBeGreaterThanOrEqual(steps);
    // Log times follow the run, and a decoded odom is a real state of the ball.
    const times = bag.messages.map((m) => m.logTime);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    const odom = bag.messages.find((m) => m.type === 'nav_msgs/msg/Odometry')!.msg as {
      header: { frame_id: string };
      pose: { pose: { position: { x: number } }; covariance: Float64Array };
    };
    expect(odom.header.frame_id).toBe('odom');
    expect(Number.isFinite(odom.pose.pose.position.x)).toBe(true);
    expect(odom.pose.covariance).toHaveLength(36);
  });
});
