import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { Logger } from '@nanobot/log';

/** A job this process is processing, with the BullMQ lock token it got it under. */
export type HeldLock = { jobId: string; token: string };

export type LockRescue = {
  /** Puts back the missing locks of `held` jobs that are still active; resolves to the ids won back. */
  rescue(held: readonly HeldLock[]): Promise<string[]>;
};

/**
 * KEYS[1] the queue's `active` list, KEYS[2] its `stalled` set; ARGV[1] the queue's key prefix,
 * ARGV[2] the lock duration (ms), then job id and token pairs. A lock is written only where none
 * exists and the job is still in `active`: a lock of another token means another run owns the job,
 * and a job that left `active` was finished or moved back by someone else. Removing the id from
 * `stalled` is what BullMQ's own lock renewal does, so the next stalled check leaves it alone.
 */
const rescueScript = `
local rescued = {}
for i = 3, #ARGV, 2 do
  local jobId = ARGV[i]
  local lockKey = ARGV[1] .. jobId .. ':lock'
  if redis.call('EXISTS', lockKey) == 0 and redis.call('LPOS', KEYS[1], jobId) then
    redis.call('SET', lockKey, ARGV[i + 1], 'PX', ARGV[2])
    redis.call('SREM', KEYS[2], jobId)
    rescued[#rescued + 1] = jobId
  end
end
return rescued
`;

type RescueCommand = { nbRescueLocks(active: string, stalled: string, ...args: (string | number)[]): Promise<string[]> };

export type LockRescueOptions = { redis: Redis; queue: Queue; lockDurationMs: number; log: Logger };

/**
 * Wins back the BullMQ job locks a live holder lost while Redis was frozen. Redis counts expiry by
 * its own clock, which keeps running while it is stopped, so after a freeze longer than the lock
 * every lock has expired although its holder still runs the job; BullMQ's lock renewal only extends
 * a lock that still holds its token and never writes a missing one. Atomic, so it cannot race the
 * stalled check's move of the same job.
 */
export function createLockRescue(options: LockRescueOptions): LockRescue {
  const { redis, queue, log } = options;
  if (!('nbRescueLocks' in redis)) redis.defineCommand('nbRescueLocks', { numberOfKeys: 2, lua: rescueScript });
  const command = redis as unknown as RescueCommand;
  return {
    async rescue(held) {
      if (held.length === 0) return [];
      const pairs = held.flatMap((h) => [h.jobId, h.token]);
      const rescued = await command.nbRescueLocks(queue.toKey('active'), queue.toKey('stalled'), queue.toKey(''), options.lockDurationMs, ...pairs);
      for (const jobId of rescued) log.warn({ jobId }, 'job lock was lost while its holder still ran it (Redis frozen?); won back');
      return rescued;
    },
  };
}
