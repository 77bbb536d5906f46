/**
 * A gradient worker thread (started by gradient-workers.ts): holds its own PlainGradients and answers each
 * request with the loss part and the weight gradients of its share of the batch.
 */
import { parentPort } from 'node:worker_threads';
import type { ModelConfig, Objective } from '../model/types.js';
import { type PlainGradientOptions, PlainGradients } from './plain-gradients.js';
import { type PlainLossBatch, shardGradients } from './plain-loss.js';

export interface WorkerInit {
  readonly kind: 'init';
  readonly config: ModelConfig;
  readonly weightNames: readonly string[];
  readonly sizes: readonly number[];
  readonly options: PlainGradientOptions;
}

export interface WorkerRequest {
  readonly kind: 'step';
  /** New weights in the model's order, or null when unchanged since the last request. */
  readonly weights: readonly Float32Array[] | null;
  readonly shard: PlainLossBatch;
  readonly objective: Objective;
  readonly clipNoise: number;
  readonly denominator: number;
}

export type WorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'gradients'; readonly loss: number; readonly grads: Float32Array[] }
  | { readonly kind: 'error'; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('gradient-worker.ts runs as a worker thread only');
let trainer: PlainGradients | null = null;
let names: readonly string[] = [];
port.on('message', (message: WorkerInit | WorkerRequest) => {
  try {
    if (message.kind === 'init') {
      trainer = new PlainGradients(message.config, message.weightNames, message.sizes, message.options);
      names = message.weightNames;
      port.postMessage({ kind: 'ready' } satisfies WorkerReply);
      return;
    }
    const t = trainer!;
    if (message.weights !== null) {
      const byName = new Map(names.map((name, i) => [name, message.weights![i]!]));
      t.setWeights(byName);
    }
    const loss = shardGradients(t, message.shard, message.objective, message.clipNoise, message.denominator);
    const grads = names.map((name) => Float32Array.from(t.gradient(name)));
    port.postMessage(
      { kind: 'gradients', loss, grads } satisfies WorkerReply,
      grads.map((g) => g.buffer as ArrayBuffer),
    );
  } catch (error) {
    port.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
