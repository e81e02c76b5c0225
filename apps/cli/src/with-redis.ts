import { homedir } from 'node:os';
import type { Redis } from 'ioredis';
import { createRedisClient } from '@nanobot/bus';
import { describeError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';

/**
 * Runs one CLI action against the cluster's Redis: a bad config, bad input or a Redis that does
 * not answer ends the command with exit code 1 and the reason, never a hang or a stack trace.
 */
export async function withRedis(use: (redis: Redis, loaded: LoadedConfig) => Promise<void>): Promise<void> {
  let redis: Redis | undefined;
  try {
    const loaded = await loadConfig({ env: process.env, homeDir: homedir() });
    redis = createRedisClient(loaded.redis.url, { maxRetriesPerRequest: 1, connectTimeout: 3_000, retryStrategy: () => null });
    redis.on('error', () => undefined); // the failing command reports it
    await use(redis, loaded);
  } catch (err) {
    process.stderr.write(`nanobot: ${describeError(err)}\n`);
    process.exitCode = 1;
  } finally {
    redis?.disconnect();
  }
}
