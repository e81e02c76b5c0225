import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createRedisToolJournal } from './tool-call-journal.js';

describe('the tool-call records in Redis', () => {
  let redis: RedisServer;
  let connection: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await connection.quit();
    await redis.close();
  });

  it('keeps steps, starts and results of a turn, survive a Redis restart, expire and go when cleared', async () => {
    const journal = createRedisToolJournal(connection);
    const call = { id: 'model-id-1', name: 'exec', argumentsJson: '{"command":"ls"}' };
    await journal.recordStep('tg-1-5', 1, { text: 'looking', calls: [call] });
    await journal.recordStart('tg-1-5', 1, 0, { name: 'exec', argumentsJson: call.argumentsJson });
    await journal.recordResult('tg-1-5', 1, 0, { name: 'exec', argumentsJson: call.argumentsJson, content: 'a.txt' });
    await journal.recordResult('tg-1-5', 2, 1, { name: 'message', argumentsJson: '{}', content: 'sent', deliveredToChat: true });
    // AOF: what was recorded before the Redis restart is there after it.
    await redis.stop();
    await redis.restart();
    const record = await journal.load('tg-1-5');
    expect(record.steps.get(1)).toEqual({ text: 'looking', calls: [call] });
    expect(record.started.get('1:0')).toEqual({ name: 'exec', argumentsJson: call.argumentsJson });
    expect(record.results.get('1:0')).toMatchObject({ content: 'a.txt' });
    expect(record.results.get('2:1')).toMatchObject({ deliveredToChat: true });
    const ttlMs = await connection.pttl('nb:tool-calls:tg-1-5');
    expect(ttlMs).toBeGreaterThan(29 * 24 * 3_600_000);
    await journal.clear('tg-1-5');
    expect((await journal.load('tg-1-5')).steps.size).toBe(0);
    expect((await journal.load('other')).results.size).toBe(0);
  });

  it('fails with BUS_UNAVAILABLE when it cannot record, so the turn is retried rather than answered', async () => {
    const broken = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    await expect(createRedisToolJournal(broken).recordStep('t', 1, { text: '', calls: [] })).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });
    broken.disconnect();
  });
});
