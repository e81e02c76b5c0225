import type { Queue } from 'bullmq';
import type { Logger } from '@nanobot/log';

/**
 * How often a held outbound worker looks whether its hold was lifted (BullMQ's
 * `maximumRateLimitDelay`): a reply put back for 10 s goes out this soon after the
 * channel is back and the hold is released.
 */
export const putBackPollMs = 500;

/**
 * Options every outbound worker needs for holds to work. BullMQ honours a manual rate limit
 * only on a worker that has a limiter; without one, a worker that wakes up after
 * `maximumRateLimitDelay` takes the held job at once. The limiter's own cap is far above
 * what any chat API accepts, so it never slows replies down by itself.
 */
export const holdableWorkerOptions = {
  limiter: { max: 1_000, duration: 1_000 },
  maximumRateLimitDelay: putBackPollMs,
} as const;

/** Why a reply was put back: the channel is away, or it asked us to wait (429 retry_after). */
export type PutBackKind = 'outage' | 'rate-limit';

export type PutBackHold = {
  /** Holds the whole outbound queue for `ms`, so the put-back reply keeps its place at the head. */
  hold(ms: number, kind: PutBackKind): Promise<void>;
  /**
   * The channel works again (a poll succeeded, the bridge link is up): lifts a hold taken
   * for an outage at once. A hold the channel asked for (rate limit) is left to run out.
   */
  channelBack(): void;
};

export type PutBackHoldOptions = {
  /** The outbound queue: lifting a hold deletes its limiter key (a fast-failing producer connection is fine). */
  queue: Queue;
  /**
   * Sets the hold: the outbound worker's `rateLimit`, on the worker's own connection, which
   * waits for Redis through an outage instead of failing the job.
   */
  rateLimit: (ms: number) => Promise<void>;
  log: Logger;
  now?: () => number;
};

/**
 * Put-back replies wait out a queue-wide hold (RELIABILITY-NOTES L10: later replies must not
 * overtake them). Its length follows putBackDelayMs, up to 10 s in a long outage; without
 * this, the first reply after an outage could wait that long although the channel is back.
 */
export function createPutBackHold(options: PutBackHoldOptions): PutBackHold {
  const { queue, log } = options;
  const now = options.now ?? Date.now;
  let outageHold = false;
  let rateLimitedUntil = 0;
  return {
    async hold(ms, kind) {
      if (kind === 'outage') outageHold = true;
      else rateLimitedUntil = Math.max(rateLimitedUntil, now() + ms);
      await options.rateLimit(ms);
    },
    channelBack() {
      if (!outageHold || now() < rateLimitedUntil) return;
      outageHold = false;
      queue.removeRateLimitKey().then(
        () => log.info({ queue: queue.name }, 'channel back: put-back replies resume'),
        // The hold then runs out by itself, at most putBackDelayMs later.
        (err: unknown) => log.warn({ err, queue: queue.name }, 'could not lift the put-back hold'),
      );
    },
  };
}
