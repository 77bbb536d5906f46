/**
 * Starts a worker thread on a TypeScript module: `entry` (a file URL) runs in the new thread after the tsx
 * loader is registered there (worker-boot.mjs); `data` reaches it as workerData.data. Used by the compute
 * helpers (the MCG chain split, the kernel roof); the node's planner thread has its own boot with a protocol.
 */
import { Worker } from 'node:worker_threads';

export function startTsWorker(entry: URL, data: unknown): Worker {
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    workerData: { entry: entry.href, data },
  });
}
