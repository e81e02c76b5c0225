import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, createQueues, createSentMarkers } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { discardFailed, listFailed, retryFailed } from './failed-jobs.js';

describe('failed jobs', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await redis.quit();
    await server.close();
  });

  it('lists a parked reply and puts it back with its uncertain chunk unmarked, its sent chunk kept', async () => {
    const log = createLogger({ name: 'test', level: 'silent' });
    const queues = createQueues(redis, log);
    const markers = createSentMarkers(redis);
    await queues.addOutbound({ kind: 'reply', id: 'tg-1-5-reply', inReplyTo: 'tg-1-5', channel: 'telegram' as const, chatId: '9', text: 'hi', format: 'plain' });
    const workerConnection = redis.duplicate();
    const worker = new Worker('outbound-telegram', async () => {
      throw new UnrecoverableError('delivery of tg-1-5-reply chunk 1 uncertain');
    }, { connection: workerConnection, prefix: bullPrefix });
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    await workerConnection.quit();
    await markers.mark('tg-1-5-reply', 0, 'sent');
    await markers.mark('tg-1-5-reply', 1, 'uncertain');

    const failed = await listFailed(redis, 10);
    expect(failed).toEqual([expect.objectContaining({ queue: 'outbound-telegram', id: 'tg-1-5-reply', reason: 'delivery of tg-1-5-reply chunk 1 uncertain' })]);

    expect(await retryFailed(redis, 'tg-1-5-reply')).toEqual({ queue: 'outbound-telegram', unmarked: 1 });
    expect(await markers.get('tg-1-5-reply', 0)).toBe('sent');
    expect(await markers.get('tg-1-5-reply', 1)).toBeNull();
    expect(await queues.outbound('telegram').getJobState('tg-1-5-reply')).toBe('waiting');
    await expect(retryFailed(redis, 'nope')).rejects.toThrow(/no failed job nope/);
    await queues.close();
  });
  it('discards a failed job for good and keeps its dedupe key, so a redelivery is still dropped', async () => {
    const log = createLogger({ name: 'test', level: 'silent' });
    const queues = createQueues(redis, log);
    const message = { kind: 'message' as const, id: 'tg-1-9', channel: 'telegram' as const, chatId: '9', senderId: '9', sessionKey: 'telegram:9', seq: 9, receivedAt: 9, text: 'hi', media: [] };
    await queues.addInbound(message);
    const workerConnection = redis.duplicate();
    const worker = new Worker('inbound', async () => {
      throw new UnrecoverableError('the model refused it');
    }, { connection: workerConnection, prefix: bullPrefix });
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    await workerConnection.quit();

    expect(await discardFailed(redis, 'tg-1-9')).toEqual({ queue: 'inbound' });
    expect(await queues.inbound.getJob('tg-1-9')).toBeUndefined();
    expect((await listFailed(redis, 10)).map((j) => j.id)).not.toContain('tg-1-9');
    await queues.addInbound(message);
    expect(await queues.inbound.getJob('tg-1-9')).toBeUndefined();
    await expect(discardFailed(redis, 'tg-1-9')).rejects.toThrow(/no failed job tg-1-9/);
    await queues.close();
  });
});
