import { Worker } from 'bullmq';
import { classifyRedisError, defaultMaxPutBacks, putBackDelayMs, redisTroubleLabel, type PutBackKind } from '@nanobot/bus';
import { describeError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';

export type PutBackOptions = {
  /** Who is away when it is not Redis, for the log line: `telegram`, `smtp`, `the bridge`… */
  service: string;
  log: Logger;
  /** Holds the outbound queue (BullMQ manual rate limit) before the job is put back. */
  hold: (ms: number, kind: PutBackKind) => Promise<void>;
  /** Put-backs in a row for one reply before it counts as a failed attempt (default defaultMaxPutBacks, about an hour). */
  maxPutBacks?: number;
  /** How long the n-th put-back in a row waits, unless the service said (default putBackDelayMs). */
  putBackDelayMs?: (count: number) => number;
};

/** Which reply, and which of its chunks (left out for a channel that sends a reply whole). */
export type PutBackAt = { jobId: string; chunk?: number };

/** Why: the error, and what the service asked for (a 429's wait) when it said. */
export type PutBackCause = {
  err: unknown;
  /** The channel's AppError code, for the log line. */
  code?: string;
  /** The service's own wait (retry_after); the hold is then a rate limit, not an outage. */
  retryAfterMs?: number;
};

export type PutBacks = {
  /**
   * Puts the reply back at the head of its queue: logs why, holds the queue, and throws BullMQ's
   * RateLimitError, so attempts are not used up and later replies do not overtake it. Resolves
   * only when the reply has been put back `maxPutBacks` times in a row: the caller then fails the
   * attempt its own way. Redis trouble (the sent-marker write refused: full, read-only, away) is
   * logged as Redis's, never as the service's.
   */
  putBack(at: PutBackAt, cause: PutBackCause): Promise<void>;
  /** Another process holds the account now: the reply goes back for it after a short hold. */
  leaseLost(at: PutBackAt, what: string): Promise<never>;
  /** The reply (or one chunk of it) went out: its put-backs in a row start again from zero. */
  sent(jobId: string): void;
};

/** The put-back branch every sender shares (design note L29). */
export function createPutBacks(options: PutBackOptions): PutBacks {
  const counts = new Map<string, number>();
  const maxPutBacks = options.maxPutBacks ?? defaultMaxPutBacks;
  const delayMs = options.putBackDelayMs ?? putBackDelayMs;
  const where = (at: PutBackAt) => ({ jobId: at.jobId, ...(at.chunk === undefined ? {} : { chunk: at.chunk }) });
  return {
    async putBack(at, cause) {
      const count = (counts.get(at.jobId) ?? 0) + 1;
      if (count > maxPutBacks) {
        counts.delete(at.jobId);
        return;
      }
      counts.set(at.jobId, count);
      const waitMs = cause.retryAfterMs ?? delayMs(count);
      const redis = classifyRedisError(cause.err);
      if (redis === 'other') {
        const code = cause.code === undefined ? {} : { code: cause.code };
        options.log.warn({ ...where(at), ...code, waitMs, putBacks: count, reason: describeError(cause.err) }, `${options.service} unavailable, reply put back`);
      } else {
        options.log.warn({ ...where(at), redis, trouble: redisTroubleLabel[redis], waitMs, putBacks: count, reason: describeError(cause.err) }, 'redis unavailable, reply put back');
      }
      await options.hold(waitMs, cause.retryAfterMs === undefined ? 'outage' : 'rate-limit');
      throw Worker.RateLimitError();
    },
    async leaseLost(at, what) {
      options.log.warn(where(at), `${what} lease lost, reply put back for the new holder`);
      await options.hold(1_000, 'outage');
      throw Worker.RateLimitError();
    },
    sent(jobId) {
      counts.delete(jobId);
    },
  };
}
