import { AppError } from '@nanobot/core';

export type CloseWithinOptions = {
  /** The Redis side of a worker's stop: finish the job in hand, release, quit. */
  close: () => Promise<void>;
  /** Whether Redis answered at the moment the stop began. */
  redisReady: boolean;
  /** Bound when Redis answers: long enough for the reply in hand to finish. */
  readyDeadlineMs?: number;
  /** Bound when Redis is already gone: BullMQ's close and ioredis' quit would wait for it forever. */
  goneDeadlineMs?: number;
};

/**
 * Bounds the close of a worker's Redis connections. With Redis down, BullMQ's `Worker.close()` and
 * ioredis' `quit()` wait until the server is back (they queue their commands), so a stop would hang
 * until pm2's kill_timeout. Giving up is safe: the process exits next, which drops the sockets, and
 * whatever was in hand is a stalled job that the next holder re-runs (sent-markers keep it single).
 * Rejects with STOP_TIMEOUT when the deadline passes, so the caller logs an unclean stop.
 */
export async function closeWithin(options: CloseWithinOptions): Promise<void> {
  const deadlineMs = options.redisReady ? (options.readyDeadlineMs ?? 10_000) : (options.goneDeadlineMs ?? 2_000);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const why = options.redisReady ? 'Redis did not answer' : 'Redis was down';
      reject(new AppError('STOP_TIMEOUT', `closing the Redis connections took over ${deadlineMs} ms (${why})`));
    }, deadlineMs);
  });
  const closing = options.close();
  closing.catch(() => {
    // Safe to ignore: past the deadline the close goes on in the background and the process exits next.
  });
  try {
    await Promise.race([closing, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
