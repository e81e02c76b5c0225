import type { Queue } from 'bullmq';
import type { Logger } from '@nanobot/log';
import { workerReliability } from './job-options.js';

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

/**
 * A dead sender's job is put back once its lock (lockDuration 6 s) expired and a stalled check
 * (every 3 s) saw it twice; a little more than that is the longest wait for it.
 */
const { lockDuration = 30_000, stalledInterval = 30_000 } = workerReliability; // BullMQ's defaults if unset
const defaultOrphanWaitMs = lockDuration + 2 * stalledInterval + 3_000;
const orphanPollMs = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  /**
   * Starts sending (`run`) only after the replies a previous process still has in hand. A
   * sender killed mid-reply leaves its job active under a lock that expires only after
   * `lockDuration`; a new sender that went ahead meanwhile would overtake it with a later reply
   * to the same chat. So while any job is active the queue is held, `run` starts the worker
   * (whose stalled check puts the orphans back at the head), and the hold is lifted once none
   * is active, or after `orphanWaitMs`.
   */
  startAfterOrphans(run: () => void): Promise<void>;
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
  /** Longest wait for orphaned replies: their lock must expire and a stalled check notice it. */
  orphanWaitMs?: number;
};

/**
 * Put-back replies wait out a queue-wide hold (design-notes L10: later replies must not
 * overtake them). Its length follows putBackDelayMs, up to 10 s in a long outage; without
 * this, the first reply after an outage could wait that long although the channel is back.
 */
export function createPutBackHold(options: PutBackHoldOptions): PutBackHold {
  const { queue, log } = options;
  const now = options.now ?? Date.now;
  let outageHold = false;
  let rateLimitedUntil = 0;
  /** Ends the orphan wait's hold, except what is left of a 429 (set before or meanwhile). */
  async function liftOrphanHold(): Promise<void> {
    const rateLimitLeftMs = rateLimitedUntil - now();
    if (rateLimitLeftMs > 0) await options.rateLimit(rateLimitLeftMs);
    else await queue.removeRateLimitKey();
  }
  return {
    async hold(ms, kind) {
      if (kind === 'outage') outageHold = true;
      else rateLimitedUntil = Math.max(rateLimitedUntil, now() + ms);
      // Setting the hold replaces the one in Redis: never with a shorter one while a 429 runs.
      await options.rateLimit(Math.max(ms, rateLimitedUntil - now()));
    },
    async startAfterOrphans(run) {
      let orphans: number;
      try {
        orphans = await queue.getActiveCount();
      } catch (err) {
        // Redis away: nothing can be sent anyway; the worker waits for Redis like any other.
        log.warn({ err, queue: queue.name }, 'could not look for replies of a previous process');
        orphans = 0;
      }
      if (orphans === 0) return run();
      const waitMs = options.orphanWaitMs ?? defaultOrphanWaitMs;
      log.warn({ queue: queue.name, orphans }, 'replies of a previous process still in hand: sending waits until they are put back');
      try {
        // A hold already in Redis may be a 429 of the previous sender (its kind is not recorded):
        // it is kept as a rate limit, neither shortened here nor lifted below.
        const inherited = await queue.getRateLimitTtl(Number.MAX_SAFE_INTEGER);
        if (inherited > 0) rateLimitedUntil = Math.max(rateLimitedUntil, now() + inherited);
        await options.rateLimit(Math.max(waitMs, rateLimitedUntil - now()));
      } catch (err) {
        log.warn({ err, queue: queue.name }, 'could not hold the queue for orphaned replies');
        return run();
      }
      run();
      const deadline = now() + waitMs;
      try {
        while (now() < deadline && (await queue.getActiveCount()) > 0) await sleep(orphanPollMs);
      } finally {
        // Lifted even if Redis went away meanwhile; if this fails too, the hold runs out by itself.
        await liftOrphanHold();
      }
      log.info({ queue: queue.name }, 'orphaned replies put back, sending');
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
