/**
 * AgentDriver: owns one model and one Agent and turns protocol requests (planner-protocol.ts) into Agent calls.
 * The worker thread and the inline host run this same class, so both modes share every line that touches the
 * planner.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../errors.js';
import { silentLogger } from '../logging.js';
import { loadModel } from '../model/checkpoint.js';
import { type DfModel, modelParameterCount } from '../model/index.js';
import { getObjective } from '../objectives/index.js';
import { type Agent, createAgent, type PlannerConfig, planActions } from '../planner/index.js';
import { observationIndices, observationSize, stepSize } from '../tasks/token-layout.js';
import { type BackendName, initBackend } from '../tensor/backend.js';
import type { HostInfo, HostMemory, HostPlan, HostWarmup, PlannerRequest } from './planner-protocol.js';

export interface AgentDriverLoadOptions {
  readonly modelDir: string;
  readonly backend: string | null;
  readonly config: Partial<PlannerConfig>;
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
}

/** Starts (and asserts) the backend, loads the model, builds the agent. */
export async function loadAgentDriver(options: AgentDriverLoadOptions): Promise<AgentDriver> {
  const info = await initBackend({
    ...(options.backend ? { requested: options.backend as BackendName } : {}),
    logger: silentLogger,
  });
  // tfjs quietly falls back to cpu when a backend fails to start; the planner's thread must run what was asked.
  if (tf.getBackend() !== info.name || (options.backend && info.name !== options.backend)) {
    throw new BackendError(
      `the planner thread runs tfjs backend '${tf.getBackend()}', not '${options.backend ?? info.name}'; check that the backend starts in a worker (try --backend ${info.name})`,
    );
  }
  const { model } = await loadModel(options.modelDir);
  try {
    return new AgentDriver(model, options, info.name);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

export class AgentDriver {
  readonly info: HostInfo;
  readonly #model: DfModel;
  readonly #agent: Agent;
  readonly #bounds: Pick<AgentDriverLoadOptions, 'actionLow' | 'actionHigh'>;
  #disposed = false;

  constructor(
    model: DfModel,
    options: Pick<AgentDriverLoadOptions, 'config' | 'actionLow' | 'actionHigh'>,
    backend: string = tf.getBackend(),
  ) {
    this.#model = model;
    this.#bounds = { actionLow: options.actionLow, actionHigh: options.actionHigh };
    this.#agent = createAgent(model, {
      config: options.config,
      actionLow: options.actionLow,
      actionHigh: options.actionHigh,
    });
    const layout = model.config.layout;
    this.info = {
      backend,
      layout,
      actionSize: layout.fields.filter((f) => f.kind === 'action').reduce((n, f) => n + f.size, 0),
      observationSize: observationSize(layout),
      stepSize: stepSize(layout),
      frameStack: layout.frameStack,
      config: this.#agent.config,
      levels: model.config.noise.levels,
      modelParameters: modelParameterCount(model.config),
    };
  }

  get agent(): Agent {
    return this.#agent;
  }

  /** Handles one request; `transfer` lists buffers the worker may move instead of copying. */
  handle(request: PlannerRequest): { value: unknown; transfer: ArrayBuffer[] } {
    const agent = this.#agent;
    switch (request.op) {
      case 'reset':
        agent.reset({
          observation: request.observation,
          goal: request.goal,
          stepsRemaining: request.stepsRemaining,
          episodeSteps: request.episodeSteps,
        });
        return { value: null, transfer: [] };
      case 'observe':
        agent.observe(request.observation, request.reward, {
          action: request.action,
          ...(request.noisy === true ? { noisy: true } : {}),
        });
        return { value: null, transfer: [] };
      case 'plan': {
        const result = agent.plan(request.committed ? { committed: request.committed } : {});
        // Busy like a slower planner: blocks this thread (the worker, or the node thread when inline).
        if (request.delayMs !== undefined && request.delayMs > 0) blockFor(request.delayMs);
        // Copies: the agent keeps its own PlanResult (warm start), so its buffers must not be moved away.
        const plan: HostPlan = {
          actions: planActions(agent, result),
          steps: result.steps.slice(),
          horizonTokens: result.horizonTokens,
          objectiveValue: result.objectiveValue,
          warm: result.warm,
          ms: result.ms,
        };
        return {
          value: plan,
          transfer: [plan.actions.buffer as ArrayBuffer, plan.steps.buffer as ArrayBuffer],
        };
      }
      case 'warmup':
        return { value: this.#warmUp(request.goal, request.episodeSteps), transfer: [] };
      case 'setGoal':
        agent.setGoal(request.goal);
        return { value: null, transfer: [] };
      case 'updateConfig':
        agent.updateConfig(request.changes);
        return { value: agent.config, transfer: [] };
      case 'memory': {
        const collected = request.gc === true && collectGarbage();
        const m = tf.memory();
        const value: HostMemory = {
          numTensors: m.numTensors,
          numBytes: m.numBytes,
          heapUsed: getHeapStatistics().used_heap_size,
          collected,
        };
        return { value, transfer: [] };
      }
      case 'dispose':
        this.dispose();
        return { value: null, transfer: [] };
    }
  }

  /**
   * A cold and a warm plan on a throwaway agent with the live agent's settings, from the dataset's mean state: the
   * first plans of a thread pay for compilation and allocation once (0.2–1.4 s measured in `run`); the live
   * agent and its noise stream are untouched, so what it plans is the same with or without a warm-up.
   */
  #warmUp(goal: Float32Array | null, episodeSteps: number): HostWarmup {
    const layout = this.#model.config.layout;
    const mean = this.#model.config.normalization.mean;
    const observation = observationIndices(layout).map((k) => mean[k]!);
    const scratch = createAgent(this.#model, { config: this.#agent.config, ...this.#bounds });
    try {
      const size = getObjective(scratch.config.objective).goalSize(layout);
      scratch.reset({
        observation,
        goal: goal ?? (size > 0 ? new Array<number>(size).fill(0) : null),
        stepsRemaining: Math.max(1, episodeSteps),
      });
      const coldMs = scratch.plan().ms;
      for (let f = 0; f < layout.frameStack && scratch.status.stepsRemaining > 1; f++) {
        scratch.act();
        scratch.observe(observation, 0);
      }
      const warmMs = scratch.needsPlan ? scratch.plan().ms : coldMs;
      return { coldMs, warmMs };
    } finally {
      scratch.dispose();
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#agent.dispose();
    this.#model.dispose();
  }
}

/** Blocks the calling thread for `ms` (Atomics.wait on a private cell no one notifies). */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let gcFunction: (() => void) | null | undefined;

/**
 * Runs a full garbage collection in this thread if the runtime lets us (for memory measurements: a heap
 * reading right after a collection is comparable across samples). Node exposes `gc` only with --expose-gc;
 * setting the flag at runtime and taking `gc` from a fresh context is the documented-by-use way to get it
 * without restarting. Returns false when it is not available.
 */
export function collectGarbage(): boolean {
  if (gcFunction === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    } catch {
      gcFunction = null;
    }
  }
  if (!gcFunction) return false;
  gcFunction();
  return true;
}
