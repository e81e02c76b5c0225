export { runWorkerProcess, toProcessPort } from './run-worker-process.js';
export type { ProcessPort, RunnableWorker, WorkerProcessOptions } from './run-worker-process.js';
export { closeWithin } from './close-within.js';
export type { CloseWithinOptions } from './close-within.js';
export { faultPointFromEnv } from './fault-point.js';
