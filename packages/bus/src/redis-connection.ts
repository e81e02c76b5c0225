import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';

export type ConnectionRole = 'producer' | 'worker';

/** Reconnect delay: grows with attempts, capped so a returning Redis is found within 2 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 10), 2_000);
}

/**
 * Connection options per role (https://docs.bullmq.io/guide/going-to-production):
 * - workers block on Redis and must wait through outages: `maxRetriesPerRequest: null`,
 *   offline queue on;
 * - producers should fail fast while Redis is away (`enableOfflineQueue: false`) so the
 *   caller can decide: the Telegram worker then keeps the update unconfirmed and retries.
 */
export function connectionOptions(role: ConnectionRole): RedisOptions {
  return {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    retryStrategy: reconnectDelayMs,
    connectTimeout: 5_000,
    // Never give up on reconnecting; the process waits for Redis instead of exiting.
    reconnectOnError: () => true,
  };
}

export type CreateRedisOptions = {
  url: string;
  role: ConnectionRole;
  log: Logger;
  name: string;
};

/**
 * An ioredis connection with an `error` listener (without one, ioredis reports
 * "Unhandled error event") that logs an outage once, not on every reconnect attempt.
 */
export function createRedis(options: CreateRedisOptions): Redis {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', 'redis url is not a valid URL', { cause });
  }
  const redis = new Redis(url.toString(), {
    ...connectionOptions(options.role),
    connectionName: options.name,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.log.warn({ err: { message: err.message, code: (err as { code?: string }).code }, connection: options.name }, 'redis connection lost, reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    options.log.info({ connection: options.name }, 'redis connection restored');
  });
  return redis;
}
