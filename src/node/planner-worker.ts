/**
 * Entry of the planner worker thread: starts and asserts the tfjs backend, loads the model, builds the agent
 * (AgentDriver), says `ready` (or `failed` with the reason), then answers requests in order. Errors of one
 * request are replies, never a crash of the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadAgentDriver } from './agent-driver.js';
import {
  type PlannerReply,
  type PlannerRequest,
  serializeError,
  type WorkerHello,
  type WorkerStart,
} from './planner-protocol.js';

const port = parentPort;
if (!port) throw new Error('planner-worker.ts runs only as a worker thread (started by createPlannerHost)');
const start = workerData as WorkerStart;

try {
  const driver = await loadAgentDriver({
    modelDir: start.modelDir,
    backend: start.backend,
    config: start.config,
    actionLow: start.actionLow,
    actionHigh: start.actionHigh,
  });
  port.on('message', ({ id, request }: { id: number; request: PlannerRequest }) => {
    let reply: PlannerReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const out = driver.handle(request);
      reply = { id, ok: true, value: out.value };
      transfer = out.transfer;
    } catch (err) {
      reply = { id, ok: false, error: serializeError(err) };
    }
    port.postMessage(reply, transfer);
    if (request.op === 'dispose') port.close();
  });
  port.postMessage({ kind: 'ready', info: driver.info } satisfies WorkerHello);
} catch (err) {
  port.postMessage({ kind: 'failed', error: serializeError(err) } satisfies WorkerHello);
}
