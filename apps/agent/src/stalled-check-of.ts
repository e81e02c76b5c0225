import type { Worker } from 'bullmq';
import { AppError } from '@nanobot/core';

/**
 * BullMQ's own stalled check of `worker` (move the active jobs without a lock back to wait, mark
 * the rest), for a worker made with `skipStalledCheck`. BullMQ runs it on a timer that knows
 * nothing of a Redis freeze, after which every lock has expired under live holders; our sweeper
 * runs it only once they have had time to win their locks back. The method is private in
 * BullMQ's types (the version is pinned), so its absence fails the agent at once, not the recovery later.
 */
export function stalledCheckOf(worker: Worker): () => Promise<void> {
  const check = (worker as unknown as { moveStalledJobsToWait?: () => Promise<void> }).moveStalledJobsToWait;
  if (typeof check !== 'function') throw new AppError('INTERNAL', 'this BullMQ version has no stalled check to run (Worker.moveStalledJobsToWait)');
  return () => check.call(worker);
}
