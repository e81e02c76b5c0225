export { runWorkerProcess, toProcessPort } from './run-worker-process.js';
export type { ProcessPort, RunnableWorker, WorkerProcessOptions } from './run-worker-process.js';
