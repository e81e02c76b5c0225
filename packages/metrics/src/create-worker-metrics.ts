import { describeError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { createLatencyWindow } from './latency-window.js';
import type { MetricsSink } from './metrics-sink.js';
import { createRateWindow } from './rate-window.js';

/** The names `pm2 monit` and `pm2 jlist` (pm2_env.axm_monitor) show; docs/operations.md lists them. */
export const metricNames = {
  state: 'State',
  channelState: 'Channel state',
  channelRestarts: 'Channel restarts',
  messagesIn: 'Messages in/min',
  messagesOut: 'Messages out/min',
  queueDepth: 'Queue depth',
  replyLatencyP95: 'Reply latency p95',
} as const;

export type WorkerMetricsOptions = {
  sink: MetricsSink;
  log: Logger;
  now?: () => number;
  /** The worker's own state (agent: running / unconfigured; scheduler). */
  state?: () => string;
  /** The supervised channel loop (channel workers). */
  channel?: () => { state: string; restarts: number };
  /** Jobs waiting in the queue this worker takes from; read every `queueDepthIntervalMs`. */
  queueDepth?: () => Promise<number>;
  queueDepthIntervalMs?: number;
};

/**
 * One worker's custom metrics in `pm2 monit`: channel state and loop restarts, messages in and out
 * per minute, the depth of its queue, the reply latency's p95 and (from @pm2/io) event-loop delay.
 * The counters are fed by the worker (`messageIn()` …); nothing here blocks or throws into it.
 */
export function createWorkerMetrics(options: WorkerMetricsOptions) {
  const { sink, log } = options;
  const now = options.now ?? Date.now;
  const received = createRateWindow({ now });
  const sent = createRateWindow({ now });
  const latency = createLatencyWindow({ now });
  let depth = 0;
  let timer: NodeJS.Timeout | undefined;

  const state = options.state;
  if (state !== undefined) sink.metric({ name: metricNames.state, value: state });
  const channel = options.channel;
  if (channel !== undefined) {
    sink.metric({ name: metricNames.channelState, value: () => channel().state });
    sink.metric({ name: metricNames.channelRestarts, value: () => channel().restarts });
  }
  sink.metric({ name: metricNames.messagesIn, value: () => received.count() });
  sink.metric({ name: metricNames.messagesOut, value: () => sent.count() });
  sink.metric({ name: metricNames.replyLatencyP95, unit: 'ms', value: () => latency.p95() });

  const queueDepth = options.queueDepth;
  if (queueDepth !== undefined) {
    sink.metric({ name: metricNames.queueDepth, value: () => depth });
    const read = (): void => {
      queueDepth().then(
        (value) => void (depth = value),
        (err: unknown) => log.debug({ err }, 'could not read the queue depth for pm2 metrics'),
      );
    };
    read();
    timer = setInterval(read, options.queueDepthIntervalMs ?? 5_000);
    timer.unref();
  }

  return {
    messageIn: (): void => received.mark(),
    messageOut: (): void => sent.mark(),
    replyLatencyMs: (ms: number): void => latency.record(ms),
    /** A reply went out: counted, and its latency from the user's message (`receivedAt`) when known. */
    replyOut(receivedAt: number | undefined): void {
      sent.mark();
      if (receivedAt !== undefined) latency.record(now() - receivedAt);
    },
    /** `pm2 trigger <app> <name>` runs `handler`; the trigger prints `{ ok, result }` or `{ ok: false, error }`. */
    action(name: string, handler: () => unknown): void {
      sink.action(name, (reply) => {
        Promise.resolve()
          .then(handler)
          .then(
            (result) => reply({ ok: true, result }),
            (err: unknown) => {
              log.warn({ err, action: name }, 'pm2 action failed');
              reply({ ok: false, error: describeError(err) });
            },
          );
      });
    },
    close(): void {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
