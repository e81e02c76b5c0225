import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import { keyPrefix } from '@nanobot/bus';

/** Runs `critical` while no other holder of the same lock runs its own. */
export type MemoryLock = <T>(critical: () => Promise<T>) => Promise<T>;

/** One process (`nanobot agent` without the cluster): a promise chain. */
export function createLocalLock(): MemoryLock {
  let tail: Promise<unknown> = Promise.resolve();
  return async <T>(critical: () => Promise<T>): Promise<T> => {
    const run = tail.then(critical, critical);
    // The next holder waits for this one to end, whether it failed or not.
    tail = run.catch(() => undefined);
    return run;
  };
}

const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export type RedisLockOptions = {
  redis: Redis;
  /** What is locked, e.g. the workspace path; hashed into the key. */
  name: string;
  /** Expiry of a holder that died inside; far above the few milliseconds a holder needs. */
  ttlMs?: number;
  /** How long to wait for the lock before failing. */
  waitMs?: number;
  pollMs?: number;
};

/**
 * Every agent process of the cluster on the same workspace (`SET NX PX` with a token,
 * released only by its holder). Meant for short critical sections: the holder does
 * file reads and writes, never a model call.
 */
export function createRedisLock(options: RedisLockOptions): MemoryLock {
  const key = `${keyPrefix}lock:memory:${createHash('sha256').update(options.name).digest('hex').slice(0, 16)}`;
  const ttlMs = options.ttlMs ?? 10_000;
  const waitMs = options.waitMs ?? 30_000;
  const pollMs = options.pollMs ?? 20;
  return async <T>(critical: () => Promise<T>): Promise<T> => {
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    while ((await options.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new AppError('INTERNAL', `memory lock still taken after ${waitMs} ms`, { details: { key } });
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    try {
      return await critical();
    } finally {
      await options.redis.eval(releaseScript, 1, key, token);
    }
  };
}
