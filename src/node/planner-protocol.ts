/**
 * Messages between the node (main thread: transport, timers, watchdog, publishing) and the planner host (a
 * worker thread, or the same thread in `planner_thread: inline` mode). Requests are handled strictly in order;
 * each gets one reply with the same id. Arrays cross as plain Float32Arrays; plan arrays are transferred.
 */
import type { PlannerConfig } from '../planner/index.js';
import type { TokenLayout } from '../tasks/token-layout.js';

export type PlannerRequest =
  | {
      readonly op: 'reset';
      readonly observation: Float32Array;
      readonly goal: Float32Array | null;
      readonly stepsRemaining: number;
      readonly episodeSteps: number;
    }
  /**
   * One executed env step: the action the robot was actually sent and what followed. `noisy`: the reading is
   * known to be corrupted (an occluded or distracted sensor), so its token is absorbed at noisyObserveLevel.
   */
  | {
      readonly op: 'observe';
      readonly observation: Float32Array;
      readonly reward: number;
      readonly action: Float32Array;
      readonly noisy?: boolean;
    }
  /**
   * A plan from the last token boundary. `committed`: actions the node sends at the next steps meanwhile;
   * `delayMs`: artificial latency, the planner thread stays busy this long after the plan (experiments).
   */
  | { readonly op: 'plan'; readonly committed?: Float32Array; readonly delayMs?: number }
  /** Two plans (cold, then warm) on a throwaway agent: one-off costs paid before the first real plan. */
  | { readonly op: 'warmup'; readonly goal: Float32Array | null; readonly episodeSteps: number }
  | { readonly op: 'setGoal'; readonly goal: Float32Array | null }
  | { readonly op: 'updateConfig'; readonly changes: Partial<PlannerConfig> }
  /** Tensor count and heap of the planner's thread; `gc`: collect garbage first when the runtime allows it. */
  | { readonly op: 'memory'; readonly gc?: boolean }
  | { readonly op: 'dispose' };

/** What the node needs from a plan: the executable actions of every planned step and the predicted steps. */
export interface HostPlan {
  /** Actions of all H·F planned steps, clamped to the action bounds, [H·F × actionSize]. Row j = step j. */
  readonly actions: Float32Array;
  /** Denormalised predicted steps, [H·F × stepSize] in layout order (for the Path). */
  readonly steps: Float32Array;
  readonly horizonTokens: number;
  readonly objectiveValue: number;
  readonly warm: boolean;
  /** plan() wall time inside the planner thread, ms. */
  readonly ms: number;
}

/** Latencies of the warm-up's plans inside the planner thread, ms. */
export interface HostWarmup {
  readonly coldMs: number;
  readonly warmMs: number;
}

export interface HostMemory {
  /** tfjs tensors alive in the planner's thread. */
  readonly numTensors: number;
  readonly numBytes: number;
  /** V8 heap used by the planner's thread (bytes). */
  readonly heapUsed: number;
  /** Whether a garbage collection ran just before the measurement. */
  readonly collected: boolean;
}

/** Sent once by the planner thread when the model is loaded and the agent built. */
export interface HostInfo {
  readonly backend: string;
  readonly layout: TokenLayout;
  readonly actionSize: number;
  readonly observationSize: number;
  readonly stepSize: number;
  readonly frameStack: number;
  readonly config: PlannerConfig;
  /** Diffusion levels K of the model (planner settings are validated against it on the node thread). */
  readonly levels: number;
  readonly modelParameters: number;
}

export interface SerializedError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

export type PlannerReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export type WorkerHello =
  | { readonly kind: 'ready'; readonly info: HostInfo }
  | { readonly kind: 'failed'; readonly error: SerializedError };

/** What the worker thread gets as workerData. */
export interface WorkerStart {
  /** file: URL of planner-worker.ts (the boot file imports it after registering tsx). */
  readonly entry: string;
  readonly modelDir: string;
  readonly backend: string | null;
  readonly config: Partial<PlannerConfig>;
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code: unknown = (err as Error & { code?: unknown }).code;
    return { name: err.name, code: typeof code === 'string' ? code : 'error', message: err.message };
  }
  return { name: 'Error', code: 'error', message: String(err) };
}
