import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { freePort, startRedis, type RedisServer } from '@nanobot/testkit';
import { classifyRedisError, isRedisTrouble, redisTroubleOf } from './redis-trouble.js';

const failureOf = async (run: () => Promise<unknown>): Promise<unknown> => {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the command to fail');
};

describe('classifyRedisError against a real redis-server', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  it('names an OOM refusal under noeviction "Redis full", for a plain write and for a BullMQ add', async () => {
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', '1');
    const queue = new Queue('pressure', { connection: { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 } });
    try {
      const plain = await failureOf(() => redis.set('k', 'v'));
      expect(classifyRedisError(plain)).toBe('full');
      expect(redisTroubleOf(plain)).toBe('Redis full');
      const add = await failureOf(() => queue.add('m', { text: 'hi' }));
      expect(classifyRedisError(add)).toBe('full');
      // Reads still work while full.
      expect(await redis.get('k')).toBeNull();
    } finally {
      await redis.config('SET', 'maxmemory', '0');
      await queue.close();
    }
    expect(await redis.set('k', 'v')).toBe('OK');
  });

  it('names a refused connection "Redis unreachable"', async () => {
    const lonely = new Redis({ host: '127.0.0.1', port: await freePort(), maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    lonely.on('error', () => undefined);
    const error = await failureOf(() => lonely.connect());
    lonely.disconnect();
    expect(classifyRedisError(error)).toBe('unreachable');
  });
});

describe('classifyRedisError on replies Redis sends', () => {
  it.each([
    ['MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.', 'disk'],
    ['MISCONF Errors writing to the AOF file: No space left on device', 'disk'],
    ['LOADING Redis is loading the dataset in memory', 'loading'],
    ["READONLY You can't write against a read only replica.", 'readonly'],
    ['Command timed out', 'unreachable'],
    ['ERR wrong number of arguments', 'other'],
  ])('%s → %s', (message, kind) => {
    expect(classifyRedisError(new Error(message))).toBe(kind);
  });

  it('follows a cause chain, and calls a bug no Redis trouble', () => {
    expect(classifyRedisError(new Error('add failed', { cause: new Error('OOM command not allowed') }))).toBe('full');
    expect(isRedisTrouble(new TypeError('x is undefined'))).toBe(false);
    expect(classifyRedisError(undefined)).toBe('other');
  });
});
