import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createMemoryHeadroom, HighWaterError, inboundHighWaterRatio } from './memory-headroom.js';
import { classifyRedisError } from './redis-trouble.js';

const usedMemory = async (redis: Redis) => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);

describe('the inbound high-water mark against a real redis-server', () => {
  let server: RedisServer;
  let redis: Redis;
  let clock = 0;
  const now = () => clock;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  it('admits while there is room and holds new messages, as "Redis full", past the mark while writes still work', async () => {
    const headroom = createMemoryHeadroom(redis, now);
    await redis.config('SET', 'maxmemory', '0');
    await expect(headroom.admit()).resolves.toBeUndefined();

    // Used memory sits between the mark and maxmemory: Redis itself still takes writes.
    const used = await usedMemory(redis);
    await redis.config('SET', 'maxmemory', String(Math.ceil(used / ((1 + inboundHighWaterRatio) / 2))));
    // The last reading is trusted for a second.
    await expect(headroom.admit()).resolves.toBeUndefined();
    clock += 1_000;
    const held = await headroom.admit().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(held).toBeInstanceOf(HighWaterError);
    expect(classifyRedisError(held)).toBe('full');
    expect(await redis.set('reply-marker', 'sent')).toBe('OK');

    await redis.config('SET', 'maxmemory', '0');
    clock += 1_000;
    await expect(headroom.admit()).resolves.toBeUndefined();
  });

  it('ignores the mark when Redis may evict instead of refusing', async () => {
    const headroom = createMemoryHeadroom(redis, now);
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await redis.config('SET', 'maxmemory', String(await usedMemory(redis)));
    try {
      await expect(headroom.admit()).resolves.toBeUndefined();
    } finally {
      await redis.config('SET', 'maxmemory', '0');
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('shows why the mark exists: at maxmemory a BullMQ worker cannot even take a queued job', async () => {
    const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 };
    const queue = new Queue('replies', { connection });
    const worker = new Worker('replies', null, { connection: { host: '127.0.0.1', port: server.port }, autorun: false });
    await queue.add('reply', { text: 'queued before Redis filled up' });
    await redis.config('SET', 'maxmemory', '1');
    try {
      // A worker's fetch moves the job from wait to active: a write Redis refuses.
      const refused = await worker.getNextJob('token').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(classifyRedisError(refused)).toBe('full');
      expect(await queue.getWaitingCount()).toBe(1);
      // Deleting is allowed: memory can always be freed.
      expect(await redis.del('reply-marker')).toBe(1);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
      await worker.close();
      await queue.close();
    }
  });
});
