// Boot file of the project's worker threads. Loader hooks are per thread in Node 20, so the tsx loader the main
// thread uses must be registered again here before the TypeScript entry (workerData.entry) can be imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
