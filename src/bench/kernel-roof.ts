/**
 * The roof of `bench plan`: how fast the project's own dense kernel (plain-network-kernels.ts, WebAssembly SIMD
 * where the engine has it) runs a large product, y = x·W with x [512, 256] and W [256, 256] (W fits the L2
 * cache, as the planner's weights do; a 512² W measured ~20 % lower, bound by memory): the best of 30 products
 * on this thread (single core), and the same run at once on two worker threads (both cores; the sum of their
 * best rates while both run). Best, not median: on a shared machine a product that was never preempted is
 * the one that shows the kernel. A plan's GFLOP/s over the single-core figure is how
 * much of one core's reachable compute it uses.
 */
import { type Worker, workerData } from 'node:worker_threads';
import {
  jsKernels,
  type Kernels,
  simdAvailable,
  simdFloats,
  simdKernels,
} from '../model/plain-network-kernels.js';
import { startTsWorker } from '../threads/start-worker.js';

export const ROOF_ROWS = 512;
export const ROOF_SIZE = 256;

export interface KernelRoof {
  /** 'rows×N×N' and the kernel kind. */
  readonly shape: string;
  readonly kernels: string;
  /** Best GFLOP/s of one product on the calling thread. */
  readonly singleCoreGflops: number;
  /** Σ over two threads running products at once of each one's best GFLOP/s; null when threads failed. */
  readonly twoCoreGflops: number | null;
}

/** ms of each of `repeats` products [rows, N]·[N, N] on this thread (after one untimed product). */
export function timeLargeProducts(rows: number, size: number, repeats: number): number[] {
  const kernels: Kernels = simdAvailable()
    ? simdKernels(simdFloats([rows * size, size * size, rows * size]))
    : jsKernels();
  const x = kernels.alloc(rows * size);
  const w = kernels.alloc(size * size);
  const y = kernels.alloc(rows * size);
  for (let i = 0; i < x.length; i++) {
    x[i] = Math.sin(i) * 0.5;
    w[i] = Math.cos(i * 0.7) * 0.05;
  }
  const times: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    kernels.dense(x, 0, rows, size, w, size, null, y, 0, false);
    if (r > 0) times.push(performance.now() - t0);
  }
  return times;
}

export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/** The roof, measured now (a second or two). */
export async function measureKernelRoof(
  rows = ROOF_ROWS,
  size = ROOF_SIZE,
  repeats = 30,
): Promise<KernelRoof> {
  const flops = 2 * rows * size * size;
  const single = gflops(flops, Math.min(...timeLargeProducts(rows, size, repeats)));
  let two: number | null = null;
  try {
    const results = await Promise.all([0, 1].map(() => runOnWorker(rows, size, repeats)));
    two = results.reduce((sum, times) => sum + gflops(flops, Math.min(...times)), 0);
  } catch {
    two = null;
  }
  return {
    shape: `${rows}x${size}x${size}`,
    kernels: simdAvailable() ? 'simd' : 'js',
    singleCoreGflops: Math.round(single * 10) / 10,
    twoCoreGflops: two === null ? null : Math.round(two * 10) / 10,
  };
}

function runOnWorker(rows: number, size: number, repeats: number): Promise<number[]> {
  const worker: Worker = startTsWorker(new URL(import.meta.url), { roof: { rows, size, repeats } });
  return new Promise<number[]>((resolve, reject) => {
    worker.once('message', (times: number[]) => {
      resolve(times);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`kernel roof thread exited with code ${code}`)));
  });
}

// In a worker thread started by runOnWorker: time the products and post the times.
const job = (workerData as { data?: { roof?: { rows: number; size: number; repeats: number } } } | null)?.data
  ?.roof;
if (job !== undefined) {
  const { parentPort } = await import('node:worker_threads');
  parentPort?.postMessage(timeLargeProducts(job.rows, job.size, job.repeats));
}
