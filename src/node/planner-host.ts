/**
 * The planner host: where the Agent lives. `worker` runs it in a worker_threads Worker that loads the model
 * itself (so a slow plan never blocks the node's callbacks, timers or publishing); `inline` runs the very same
 * AgentDriver on the calling thread (lockstep tests, debugging). Both answer requests strictly in order and
 * report replies through callbacks, never by blocking the caller: inline replies arrive synchronously inside the
 * request call, worker replies on a later turn of the event loop.
 */
import { Worker } from 'node:worker_threads';
import { ConfigError, DfPlannerError } from '../errors.js';
import type { PlannerConfig } from '../planner/index.js';
import { type AgentDriver, loadAgentDriver } from './agent-driver.js';
import {
  type HostInfo,
  type HostMemory,
  type HostPlan,
  type PlannerReply,
  type PlannerRequest,
  type SerializedError,
  serializeError,
  type WorkerHello,
  type WorkerStart,
} from './planner-protocol.js';

export type PlannerThread = 'worker' | 'inline';

/** An error that happened in the planner (thread), rebuilt on the node's side. */
export class PlannerHostError extends DfPlannerError {
  readonly remoteName: string;
  readonly remoteCode: string;
  constructor(op: string, error: SerializedError) {
    super('planner-host', `planner ${op} failed: ${error.name}: ${error.message}`);
    this.remoteName = error.name;
    this.remoteCode = error.code;
  }
}

export interface PlannerHostOptions {
  readonly thread: PlannerThread;
  /** Model directory (model.json + weights.bin); the worker loads it itself. */
  readonly modelDir: string;
  /** tfjs backend to start (and assert) in the planner's thread; null = the best available. */
  readonly backend: string | null;
  readonly config: Partial<PlannerConfig>;
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
}

type Callback = (error: PlannerHostError | null, value: unknown) => void;

export interface PlannerHost {
  readonly thread: PlannerThread;
  readonly info: HostInfo;
  /** Requests not yet answered. */
  readonly pending: number;
  /**
   * Send a request; `done` runs once with its reply (inline: before `send` returns). Requests are answered in
   * the order sent. After dispose, `done` gets an error.
   */
  send(request: PlannerRequest, done?: Callback): void;
  /** Promise form of `send`. */
  call<T = unknown>(request: PlannerRequest): Promise<T>;
  /** Frees the agent and model (worker: then ends the thread). Idempotent. */
  dispose(): Promise<void>;
}

/** Starts a planner host; resolves once the model is loaded and the agent built (rejects with the reason). */
export async function createPlannerHost(options: PlannerHostOptions): Promise<PlannerHost> {
  if (options.thread === 'inline') {
    const driver = await loadAgentDriver(options);
    return new InlineHost(driver);
  }
  if (options.thread !== 'worker') {
    throw new ConfigError(
      `planner_thread must be 'worker' or 'inline', got '${options.thread}'`,
      'planner_thread',
    );
  }
  return startWorkerHost(options);
}

class InlineHost implements PlannerHost {
  readonly thread = 'inline' as const;
  readonly info: HostInfo;
  readonly #driver: AgentDriver;
  #disposed = false;

  constructor(driver: AgentDriver) {
    this.#driver = driver;
    this.info = driver.info;
  }

  get pending(): number {
    return 0;
  }

  send(request: PlannerRequest, done?: Callback): void {
    if (this.#disposed) {
      done?.(new PlannerHostError(request.op, disposedError()), undefined);
      return;
    }
    let value: unknown;
    try {
      value = this.#driver.handle(request).value;
    } catch (err) {
      done?.(new PlannerHostError(request.op, serializeError(err)), undefined);
      return;
    }
    done?.(null, value);
  }

  call<T>(request: PlannerRequest): Promise<T> {
    return promised<T>(this, request);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#driver.dispose();
  }
}

function promised<T>(host: PlannerHost, request: PlannerRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    host.send(request, (error, value) => (error ? reject(error) : resolve(value as T)));
  });
}

function disposedError(): SerializedError {
  return { name: 'PlannerHostError', code: 'disposed', message: 'the planner host was disposed' };
}

async function startWorkerHost(options: PlannerHostOptions): Promise<PlannerHost> {
  const start: WorkerStart = {
    entry: new URL('./planner-worker.ts', import.meta.url).href,
    modelDir: options.modelDir,
    backend: options.backend,
    config: options.config,
    actionLow: [...options.actionLow],
    actionHigh: [...options.actionHigh],
  };
  // The boot file registers tsx inside the new thread (loader hooks are per thread in Node 20), then imports
  // the TypeScript entry.
  const worker = new Worker(new URL('./planner-worker-boot.mjs', import.meta.url), {
    workerData: start,
  });
  const info = await new Promise<HostInfo>((resolve, reject) => {
    const onError = (err: Error) => {
      cleanup();
      reject(new PlannerHostError('start', serializeError(err)));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(
        new PlannerHostError('start', {
          name: 'Error',
          code: 'exit',
          message: `the planner thread exited (code ${code}) before it was ready`,
        }),
      );
    };
    const onMessage = (hello: WorkerHello) => {
      cleanup();
      if (hello.kind === 'ready') resolve(hello.info);
      else {
        void worker.terminate();
        reject(new PlannerHostError('start', hello.error));
      }
    };
    const cleanup = () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.off('message', onMessage);
    };
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.once('message', onMessage);
  });
  return new WorkerHost(worker, info);
}

class WorkerHost implements PlannerHost {
  readonly thread = 'worker' as const;
  readonly info: HostInfo;
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { op: string; done: Callback | undefined }>();
  #nextId = 1;
  #dead: SerializedError | null = null;
  #disposing: Promise<void> | null = null;

  constructor(worker: Worker, info: HostInfo) {
    this.#worker = worker;
    this.info = info;
    worker.on('message', (reply: PlannerReply) => this.#onReply(reply));
    worker.on('error', (err) => this.#fail(serializeError(err)));
    worker.on('exit', (code) =>
      this.#fail({ name: 'Error', code: 'exit', message: `the planner thread exited (code ${code})` }),
    );
  }

  get pending(): number {
    return this.#waiting.size;
  }

  send(request: PlannerRequest, done?: Callback): void {
    if (this.#dead || this.#disposing) {
      const error = this.#dead ?? disposedError();
      // Keep the "never inside send" promise of the worker host, so callers see one timing.
      queueMicrotask(() => done?.(new PlannerHostError(request.op, error), undefined));
      return;
    }
    const id = this.#nextId++;
    this.#waiting.set(id, { op: request.op, done });
    this.#worker.postMessage({ id, request });
  }

  call<T>(request: PlannerRequest): Promise<T> {
    return promised<T>(this, request);
  }

  #onReply(reply: PlannerReply): void {
    const entry = this.#waiting.get(reply.id);
    if (!entry) return;
    this.#waiting.delete(reply.id);
    if (reply.ok) entry.done?.(null, reply.value);
    else entry.done?.(new PlannerHostError(entry.op, reply.error), undefined);
  }

  #fail(error: SerializedError): void {
    if (this.#dead) return;
    this.#dead = error;
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.done?.(new PlannerHostError(w.op, error), undefined);
  }

  dispose(): Promise<void> {
    if (this.#disposing) return this.#disposing;
    const worker = this.#worker;
    this.#disposing = (async () => {
      if (!this.#dead) {
        const id = this.#nextId++;
        const disposed = new Promise<void>((resolve) => {
          this.#waiting.set(id, { op: 'dispose', done: () => resolve() });
        });
        worker.postMessage({ id, request: { op: 'dispose' } satisfies PlannerRequest });
        // A thread stuck in a long plan gets a bounded wait, then is terminated.
        await Promise.race([disposed, new Promise((r) => setTimeout(r, 5000).unref())]);
      }
      this.#dead ??= disposedError();
      await worker.terminate();
    })();
    return this.#disposing;
  }
}

export type { HostInfo, HostMemory, HostPlan };
