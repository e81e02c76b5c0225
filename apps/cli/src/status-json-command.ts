import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { createRedisClient } from '@nanobot/bus';
import { describeError } from '@nanobot/core';
import type { LoadedConfig } from '@nanobot/config';
import { createIsGone, createPm2Control, type ProcessInfo } from '@nanobot/ops';
import { toStatusJson } from './status-json.js';

/** `nanobot status --json`: pm2 or Redis being away is part of the answer, not an error. */
export async function printStatusJson(loaded: LoadedConfig): Promise<void> {
  let processes: ProcessInfo[] = [];
  let pm2Error: string | null = null;
  const pm2 = createPm2Control();
  try {
    processes = await pm2.list();
  } catch (err) {
    pm2Error = describeError(err);
  } finally {
    pm2.disconnect();
  }
  let redis: Redis | undefined;
  let redisError: string | undefined;
  try {
    // Inside the try: an unreadable redis.tls file is reported like an unreachable Redis.
    redis = createRedisClient(loaded.redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
    redis.on('error', () => undefined); // reported in the document through the failed connect()
    await redis.connect();
  } catch (err) {
    redisError = describeError(err);
  }
  try {
    const status = await toStatusJson({
      loaded,
      processes,
      redis: redisError === undefined && redis !== undefined ? redis : null,
      ...(redisError === undefined ? {} : { redisError }),
      isGone: createIsGone(hostname(), (pid) => process.kill(pid, 0)),
      now: Date.now(),
    });
    process.stdout.write(`${JSON.stringify({ ...status, pm2Error }, null, 2)}\n`);
  } finally {
    redis?.disconnect();
  }
}
