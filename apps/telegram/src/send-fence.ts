import { Worker, type Job } from 'bullmq';
import type { Logger } from '@nanobot/log';

type Processor = (job: Job, token?: string) => Promise<void>;

/**
 * The fence of the outbound worker. `fence` goes into the sender, right before each
 * sendMessage, and throws when this process may no longer send (the poller lease is gone).
 * `guard` wraps the sender: a reply whose send was fenced is neither failed nor retried
 * later, whatever the sender made of the error: it goes back to the head of the queue
 * (BullMQ's manual rate limit error moves it to wait, if its lock is still ours; if not, the
 * new holder's stalled check has already put it back) for the next holder, whose
 * sent-markers skip the chunks already sent. The count of refusals tells which job met the
 * fence because the outbound worker runs one job at a time (concurrency 1, for per-chat order).
 */
export function createSendFence(check: () => Promise<void>, log: Logger) {
  let refused = 0;
  return {
    fence: (): Promise<void> =>
      check().catch((err: unknown) => {
        refused += 1;
        throw err;
      }),
    guard:
      (process: Processor): Processor =>
      async (job, token) => {
        const before = refused;
        try {
          await process(job, token);
        } catch (err) {
          if (refused === before) throw err;
        }
        if (refused === before) return;
        log.info({ jobId: job.id }, 'poller lease lost: reply put back for the next holder');
        throw Worker.RateLimitError();
      },
  };
}
