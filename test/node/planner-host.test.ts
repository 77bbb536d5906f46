import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import {
  createPlannerHost,
  type HostMemory,
  type HostPlan,
  type PlannerHost,
  PlannerHostError,
} from '../../src/node/index.js';
import { initBackend } from '../../src/tensor/backend.js';
import { FAST_PLANNER, saveMazeModel, TEST_F } from './maze-model.js';

const bounds = { actionLow: [-1, -1], actionHigh: [1, 1] } as const;
const o0 = Float32Array.of(1, 1, 0, 0);

async function episode(host: PlannerHost, plans: number): Promise<HostPlan[]> {
  const out: HostPlan[] = [];
  await host.call({
    op: 'reset',
    observation: o0,
    goal: Float32Array.of(1, 3),
    stepsRemaining: 300,
    episodeSteps: 300,
  });
  for (let p = 0; p < plans; p++) {
    const plan = await host.call<HostPlan>({ op: 'plan' });
    out.push(plan);
    for (let f = 0; f < TEST_F; f++) {
      const action = plan.actions.slice(f * 2, f * 2 + 2);
      await host.call({
        op: 'observe',
        observation: Float32Array.of(1 + 0.01 * f, 1, 0.1, 0),
        reward: 0,
        action,
      });
    }
  }
  return out;
}

describe('planner host', () => {
  let model: Awaited<ReturnType<typeof saveMazeModel>>;
  let nanModel: Awaited<ReturnType<typeof saveMazeModel>>;
  let worker: PlannerHost;

  beforeAll(async () => {
    await initBackend({ requested: 'wasm', logger: silentLogger });
    model = await saveMazeModel({ seed: 5 });
    nanModel = await saveMazeModel({ seed: 5, nanWeights: true });
    worker = await createPlannerHost({
      thread: 'worker',
      modelDir: model.dir,
      backend: 'wasm',
      config: { ...FAST_PLANNER, seed: 7 },
      ...bounds,
    });
  });
  afterAll(async () => {
    await worker?.dispose();
    model?.cleanup();
    nanModel?.cleanup();
  });

  it('loads the model in a worker thread on the asserted backend and reports the layout', () => {
    expect(worker.thread).toBe('worker');
    expect(worker.info.backend).toBe('wasm');
    expect(worker.info.frameStack).toBe(TEST_F);
    expect(worker.info.actionSize).toBe(2);
    expect(worker.info.observationSize).toBe(4);
    expect(worker.info.stepSize).toBe(7);
    expect(worker.info.levels).toBe(1000);
    expect(worker.info.config.horizonTokens).toBe(FAST_PLANNER.horizonTokens);
  });

  it('plans every step of the horizon with clamped actions, transferred as Float32Arrays', async () => {
    const [plan] = await episode(worker, 1);
    const rows = plan!.horizonTokens * TEST_F;
    expect(plan!.horizonTokens).toBe(FAST_PLANNER.horizonTokens);
    expect(plan!.actions).toBeInstanceOf(Float32Array);
    expect(plan!.actions.length).toBe(rows * 2);
    expect(plan!.steps.length).toBe(rows * 7);
    for (const a of plan!.actions) expect(Math.abs(a)).toBeLessThanOrEqual(1);
    // Row j of actions is the clamped action field (offset 0) of step j.
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < 2; i++) {
        const raw = plan!.steps[j * 7 + i]!;
        expect(plan!.actions[j * 2 + i]).toBeCloseTo(Math.min(1, Math.max(-1, raw)), 6);
      }
    }
  });

  it('gives bit-identical plans in the worker and inline (same model file, seed, backend)', async () => {
    const inline = await createPlannerHost({
      thread: 'inline',
      modelDir: model.dir,
      backend: 'wasm',
      config: { ...FAST_PLANNER, seed: 11 },
      ...bounds,
    });
    const w = await createPlannerHost({
      thread: 'worker',
      modelDir: model.dir,
      backend: 'wasm',
      config: { ...FAST_PLANNER, seed: 11 },
      ...bounds,
    });
    try {
      const a = await episode(inline, 3);
      const b = await episode(w, 3);
      expect(a.map((p) => p.warm)).toEqual([false, true, true]);
      for (let i = 0; i < 3; i++) {
        expect(Array.from(b[i]!.actions)).toEqual(Array.from(a[i]!.actions));
        expect(Array.from(b[i]!.steps)).toEqual(Array.from(a[i]!.steps));
      }
    } finally {
      await inline.dispose();
      await w.dispose();
    }
  });

  it('keeps the tensor count of the planner thread flat across episodes', async () => {
    await episode(worker, 2);
    const before = await worker.call<HostMemory>({ op: 'memory' });
    for (let i = 0; i < 3; i++) await episode(worker, 2);
    const after = await worker.call<HostMemory>({ op: 'memory' });
    expect(before.numTensors).toBeGreaterThan(0);
    expect(after.numTensors).toBe(before.numTensors);
  });

  it('answers a failing plan with an error reply and keeps serving (NaN weights)', async () => {
    const host = await createPlannerHost({
      thread: 'worker',
      modelDir: nanModel.dir,
      backend: 'wasm',
      config: FAST_PLANNER,
      ...bounds,
    });
    try {
      await host.call({
        op: 'reset',
        observation: o0,
        goal: Float32Array.of(1, 3),
        stepsRemaining: 300,
        episodeSteps: 300,
      });
      const err = await host.call({ op: 'plan' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlannerHostError);
      expect((err as PlannerHostError).remoteName).toBe('PlanningError');
      expect((err as Error).message).toMatch(/not finite/);
      const mem = await host.call<HostMemory>({ op: 'memory' });
      expect(mem.numTensors).toBeGreaterThan(0);
    } finally {
      await host.dispose();
    }
  });

  it("refuses bad observations with the planner's InputError, in order with other requests", async () => {
    await worker.call({ op: 'reset', observation: o0, goal: null, stepsRemaining: 300, episodeSteps: 300 });
    const err = await worker
      .call({
        op: 'observe',
        observation: Float32Array.of(1, 2, 3),
        reward: 0,
        action: Float32Array.of(0, 0),
      })
      .catch((e: unknown) => e);
    expect((err as PlannerHostError).remoteName).toBe('InputError');
  });

  it("fails to start with the loader's reason for a missing model directory", async () => {
    const err = await createPlannerHost({
      thread: 'worker',
      modelDir: '/nonexistent/model',
      backend: 'wasm',
      config: {},
      ...bounds,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlannerHostError);
    expect((err as Error).message).toMatch(/ModelFileError.*nonexistent/);
  });

  it('refuses requests after dispose', async () => {
    const host = await createPlannerHost({
      thread: 'inline',
      modelDir: model.dir,
      backend: 'wasm',
      config: {},
      ...bounds,
    });
    await host.dispose();
    await expect(host.call({ op: 'memory' })).rejects.toThrow(/disposed/);
  });
});
