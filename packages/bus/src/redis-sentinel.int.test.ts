import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { toRedisConnectionString } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startSentinelSetup, type SentinelSetup } from '@nanobot/testkit';
import { createRedis, whenReady } from './redis-connection.js';

const portOf = async (redis: Redis) => {
  const info = await redis.info('server');
  return Number(/tcp_port:(\d+)/.exec(info)?.[1]);
};

describe('createRedis through Redis Sentinel', () => {
  let setup: SentinelSetup;
  let redis: Redis;
  const log = createLogger({ name: 'sentinel-test', level: 'silent' });

  beforeAll(async () => {
    setup = await startSentinelSetup();
    const url = toRedisConnectionString({ url: 'redis://127.0.0.1:1', sentinel: { nodes: setup.sentinels, name: setup.name }, waitReplicas: 0, waitTimeoutMs: 1_000 });
    redis = createRedis({ url, role: 'worker', log, name: 'sentinel-test' });
    await whenReady(redis);
  }, 90_000);
  afterAll(async () => {
    redis?.disconnect();
    await setup?.close();
  });

  it('reaches the primary the sentinels name, and follows them to the new primary after a kill -9', async () => {
    const [primary, replica] = setup.servers;
    expect(await portOf(redis)).toBe(primary.port);
    await redis.set('before', '1');
    await setup.waitForReplicas(1);
    await primary.kill();
    const newPort = await setup.waitForFailover(primary.port);
    expect(newPort).toBe(replica.port);
    // A worker connection waits through the failover instead of failing the command.
    expect(await redis.get('before')).toBe('1');
    await redis.set('after', '1');
    expect(await portOf(redis)).toBe(replica.port);
    expect(await redis.call('ROLE').then((role) => (role as string[])[0])).toBe('master');
  }, 90_000);
});
