/**
 * Data parallel gradients over worker threads: worker w takes the windows (batch columns) of share w, all
 * workers run at once, and their losses and gradients are summed in worker order, so the result does not
 * depend on which thread finishes first (a run stays deterministic for a given worker count; a different
 * count sums in another order and agrees to float32 rounding).
 *
 * Each worker is the TypeScript module gradient-worker.ts, started through src/threads (tsx's loader, no
 * build step), so it also works under the test runner.
 */
import type { Worker } from 'node:worker_threads';
import { DfPlannerError } from '../errors.js';
import type { ModelConfig, Objective } from '../model/types.js';
import { tokenSize } from '../tasks/token-layout.js';
import { startTsWorker } from '../threads/start-worker.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './gradient-worker.js';
import type { PlainGradientOptions } from './plain-gradients.js';
import { type PlainLossBatch, shardOf } from './plain-loss.js';

export interface PooledGradients {
  readonly loss: number;
  readonly grads: readonly Float32Array[];
}

export class GradientWorkers {
  readonly count: number;
  readonly #workers: Worker[];
  readonly #ready: Promise<unknown>;
  #started = false;
  readonly #sizes: readonly number[];
  readonly #d: number;
  /** The latest weights, and which workers hold them. */
  #latest: readonly Float32Array[] | null = null;
  readonly #current: boolean[];

  constructor(
    count: number,
    config: ModelConfig,
    weightNames: readonly string[],
    sizes: readonly number[],
    options: PlainGradientOptions,
  ) {
    this.count = count;
    this.#sizes = sizes;
    this.#d = tokenSize(config.layout);
    this.#current = new Array<boolean>(count).fill(false);
    this.#workers = [];
    const ready: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = startTsWorker(new URL('./gradient-worker.ts', import.meta.url), null);
      worker.unref();
      this.#workers.push(worker);
      ready.push(
        this.#request(worker, { kind: 'init', config, weightNames, sizes, options } satisfies WorkerInit),
      );
    }
    this.#ready = Promise.all(ready).then(() => {
      this.#started = true;
    });
  }

  /**
   * Loss and gradients of the whole batch, each worker taking a contiguous share of its windows. Once the
   * workers are up the shares are sent before this returns, so the caller can do other work while they run.
   */
  gradients(
    whole: PlainLossBatch,
    obs: number,
    objective: Objective,
    clipNoise: number,
    denominator: number,
    weights: readonly Float32Array[] | null,
  ): Promise<PooledGradients> {
    if (!this.#started) {
      return this.#ready.then(() => this.gradients(whole, obs, objective, clipNoise, denominator, weights));
    }
    if (weights !== null) {
      this.#latest = weights;
      this.#current.fill(false);
    }
    const b = whole.batch;
    const used = Math.min(this.count, b);
    const replies: Promise<WorkerReply>[] = [];
    for (let w = 0; w < this.count; w++) {
      if (w >= used) continue;
      const b0 = Math.floor((w * b) / used);
      const b1 = Math.floor(((w + 1) * b) / used);
      const request: WorkerRequest = {
        kind: 'step',
        // A worker that sat a batch out gets the weights it missed.
        weights: this.#current[w] ? null : this.#latest,
        shard: shardOf(whole, this.#d, obs, b0, b1),
        objective,
        clipNoise,
        denominator,
      };
      this.#current[w] = true;
      replies.push(this.#request(this.#workers[w]!, request));
    }
    return Promise.all(replies).then((results) => this.#sum(results));
  }

  #sum(results: readonly WorkerReply[]): PooledGradients {
    let loss = 0;
    const grads = this.#sizes.map((s) => new Float32Array(s));
    for (const r of results) {
      if (r.kind !== 'gradients') throw new DfPlannerError('training', 'gradient worker gave no gradients');
      loss += r.loss;
      for (let i = 0; i < grads.length; i++) {
        const sum = grads[i]!;
        const part = r.grads[i]!;
        for (let j = 0; j < sum.length; j++) sum[j] = sum[j]! + part[j]!;
      }
    }
    return { loss, grads };
  }

  /** The weights every worker needs before its next share (sent with it; the arrays must stay unchanged until then). */
  weightsChanged(weights: readonly Float32Array[]): void {
    this.#latest = weights;
    this.#current.fill(false);
  }

  dispose(): void {
    for (const w of this.#workers) void w.terminate();
  }

  #request(worker: Worker, message: WorkerInit | WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        worker.off('error', onError);
        if (reply.kind === 'error')
          reject(new DfPlannerError('training', `gradient worker: ${reply.message}`));
        else resolve(reply);
      };
      const onError = (error: Error) => {
        worker.off('message', onMessage);
        reject(new DfPlannerError('training', `gradient worker failed: ${error.message}`));
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(message);
    });
  }
}
