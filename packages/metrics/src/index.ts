export { createWorkerMetrics, metricNames } from './create-worker-metrics.js';
export type { WorkerMetrics, WorkerMetricsOptions } from './create-worker-metrics.js';
export { createLatencyWindow } from './latency-window.js';
export { createRateWindow } from './rate-window.js';
export type { MetricsSink } from './metrics-sink.js';
export { pm2IoConfig, startPm2Io } from './start-pm2-io.js';
