import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '@nanobot/log';
import { createRedisClient } from './redis-client.js';

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
  /** A connection string: a redis:// or rediss:// URL, possibly with our parameters (RedisEndpoint). */
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
  const redis = createRedisClient(options.url, { ...connectionOptions(options.role), connectionName: options.name });
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

/**
 * Resolves once the connection is ready. A connection that is to subscribe must wait for it:
 * ioredis sends a SUBSCRIBE made while it is still in its connect prelude at once, and then its
 * own ready check (an INFO) is refused in subscriber mode, which it reports as a lost connection.
 */
export async function whenReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const onReady = () => (redis.off('end', onEnd), resolve());
    const onEnd = () => (redis.off('ready', onReady), reject(new Error('the Redis connection ended before it was ready')));
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}
