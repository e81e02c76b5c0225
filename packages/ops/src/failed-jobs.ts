import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import { bullPrefix, keyPrefix, queueNames } from '@nanobot/bus';

export const inspectedQueues = [
  queueNames.inbound, queueNames.outbound('telegram'), queueNames.outbound('whatsapp'), queueNames.outbound('discord'), queueNames.outbound('slack'), queueNames.outbound('email'), queueNames.cron, queueNames.outbound('system'), queueNames.subagent,
  queueNames.outbound('api'),
];

export type FailedJob = { queue: string; id: string; failedAt: number | null; attempts: number; reason: string };

async function withQueue<T>(redis: Redis, name: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(name, { connection: redis, prefix: bullPrefix });
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

/** The failed sets: what could not be done, kept for a month for a look and a replay. */
export async function listFailed(redis: Redis, limit: number): Promise<FailedJob[]> {
  const all: FailedJob[] = [];
  for (const name of inspectedQueues) {
    const jobs = await withQueue(redis, name, (queue) => queue.getFailed(0, limit - 1));
    for (const job of jobs) {
      all.push({ queue: name, id: String(job.id), failedAt: job.finishedOn ?? null, attempts: job.attemptsMade, reason: job.failedReason });
    }
  }
  return all.sort((a, b) => (b.failedAt ?? 0) - (a.failedAt ?? 0)).slice(0, limit);
}

/**
 * Puts a failed job back in its queue. For a reply, chunks marked `uncertain`
 * (the connection broke after the request was written) are unmarked first, so
 * they are sent again: the user asked for it, knowing it may arrive twice.
 */
export async function retryFailed(redis: Redis, jobId: string): Promise<{ queue: string; unmarked: number }> {
  for (const name of inspectedQueues) {
    const found = await withQueue(redis, name, async (queue) => {
      const job = await queue.getJob(jobId);
      if (job === undefined || !(await job.isFailed())) return null;
      let unmarked = 0;
      if (name !== queueNames.inbound) {
        for (let chunk = 0; ; chunk += 1) {
          const key = `${keyPrefix}sent:${jobId}:${chunk}`;
          const state = await redis.get(key);
          if (state === null) break;
          if (state === 'uncertain') unmarked += await redis.del(key);
        }
      }
      await job.retry('failed');
      return { queue: name, unmarked };
    });
    if (found !== null) return found;
  }
  throw new AppError('MESSAGE_INVALID', `no failed job ${jobId} in ${inspectedQueues.join(', ')}`);
}

/**
 * Removes a failed job for good: the operator decided it is not worth doing. BullMQ drops
 * the job's deduplication key with it; it is put back with the time it had left, so a late
 * redelivery of the same source message is still recognised and never answered.
 */
export async function discardFailed(redis: Redis, jobId: string): Promise<{ queue: string }> {
  for (const name of inspectedQueues) {
    const found = await withQueue(redis, name, async (queue) => {
      const job = await queue.getJob(jobId);
      if (job === undefined || !(await job.isFailed())) return false;
      // BullMQ's key of a deduplication id (its `removeDeduplicationKeyIfNeededOnRemoval`).
      const dedupeKey = `${bullPrefix}:${name}:de:${job.deduplicationId ?? jobId}`;
      const ttlMs = await redis.pttl(dedupeKey);
      await job.remove();
      if (ttlMs > 0) await redis.set(dedupeKey, jobId, 'PX', ttlMs, 'NX');
      return true;
    });
    if (found) return { queue: name };
  }
  throw new AppError('MESSAGE_INVALID', `no failed job ${jobId} in ${inspectedQueues.join(', ')}`);
}
