import type { JobsOptions, WorkerOptions } from 'bullmq';

/**
 * Benchmarks only: `NANOBOT_RETENTION_SCALE=0.0001` shortens every retention derived from
 * `retentionDayMs` (7 days become 60 s) so a run can watch the schedule work. Unset: 1.
 */
function retentionScale(value: string | undefined): number {
  const scale = Number(value);
  return value !== undefined && Number.isFinite(scale) && scale > 0 && scale <= 1 ? scale : 1;
}

/** One day of retention (scaled only for benchmarks). */
export const retentionDayMs = 24 * 3_600_000 * retentionScale(globalThis.process?.env?.NANOBOT_RETENTION_SCALE);
const day = retentionDayMs;

/**
 * How long a source id is remembered after its job is gone: a Telegram update
 * can be redelivered long after it was first seen (a restart with an unconfirmed
 * offset), and the job itself is removed after a day.
 */
export const dedupeTtlMs = 7 * day;

/**
 * Completed jobs stay a day for the queue browser, the newest 10,000 per queue at most (so a
 * busy day does not grow Redis: a completed job is ~1–2 KB); failed ones a month, for replay.
 * BullMQ removes old completed jobs when later jobs complete, not by a timer.
 */
export const retention = {
  removeOnComplete: { age: Math.ceil(day / 1000), count: 10_000 },
  removeOnFail: { age: Math.ceil((30 * day) / 1000) },
} as const;

export function inboundJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    deduplication: { id: jobId, ttl: dedupeTtlMs },
    attempts: 8,
    backoff: { type: 'exponential', delay: 1_000 },
    ...retention,
  };
}

export function outboundJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    deduplication: { id: jobId, ttl: dedupeTtlMs },
    attempts: 5,
    backoff: { type: 'exponential', delay: 2_000 },
    ...retention,
  };
}

/**
 * Stalled-job settings (design-notes L7): a crashed worker's job is noticed
 * after at most lockDuration + stalledInterval (~9 s; the lock is renewed every
 * lockDuration / 2 while the worker lives) and may stall several times before it
 * is failed, because stalls do not consume `attempts`.
 */
export const workerReliability: Pick<
  WorkerOptions,
  'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'runRetryDelay'
> = {
  lockDuration: 6_000,
  stalledInterval: 3_000,
  maxStalledCount: 5,
  // After a Redis outage the worker loop waits this long before fetching again
  // (BullMQ's default is 15 s), which would hold up every message for that long.
  runRetryDelay: 1_000,
};
