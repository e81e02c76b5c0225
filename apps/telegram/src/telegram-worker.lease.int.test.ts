import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLease, createQueues } from '@nanobot/bus';
import { configSchema } from '@nanobot/config';
import type { OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeTelegram, startRedis, type FakeTelegram, type RedisServer } from '@nanobot/testkit';
import { createTelegramWorker, type TelegramWorker } from './telegram-worker.js';

const log = createLogger({ name: 'telegram-lease-int', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const reply = (id: string, chatId: number, text: string): OutboundMessage => ({
  kind: 'reply', id, inReplyTo: id.replace(/-reply$/, ''), channel: 'telegram', chatId: String(chatId), text, format: 'plain',
});

describe('the Telegram worker as holder of the poller lease', () => {
  let redis: RedisServer;
  let client: Redis;
  let queues: ReturnType<typeof createQueues>;
  let telegram: FakeTelegram;
  let workers: TelegramWorker[];
  let leaseName: string;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queues = createQueues(client, log);
  });
  afterAll(async () => {
    await queues.close();
    await client.quit();
    await redis.close();
  });

  async function startWorker(holder: string): Promise<TelegramWorker> {
    const settings = configSchema.parse({
      channels: { telegram: { enabled: true, token: telegram.token, apiRoot: telegram.apiRoot, allowFrom: ['*'], pollTimeoutS: 1 } },
    }).channels.telegram;
    const worker = createTelegramWorker({ settings, redisUrl: redis.url, log, holder, instance: holder, pid: process.pid });
    workers.push(worker);
    await worker.start((err) => {
      throw err;
    });
    return worker;
  }

  beforeEach(async () => {
    await client.flushall();
    telegram = await startFakeTelegram();
    leaseName = `telegram:${telegram.botId}`;
    workers = [];
  });
  afterEach(async () => {
    for (const worker of workers) await worker.stop('test over');
    await telegram.close();
  });

  it('keeps the lease and keeps sending through the restart delay after a run failed', async () => {
    await startWorker('test:a');
    await telegram.waitFor(() => telegram.calls('getUpdates').length > 0);
    telegram.setFault('getUpdates', { kind: 'conflict', times: 1 });
    await telegram.waitFor(() => telegram.calls('getUpdates').some((c) => c.status === 409), 5_000);
    const failedAt = Date.now();

    await queues.addOutbound(reply('d1-reply', 51, 'sent while the poll waits out its 409'));
    await telegram.waitFor(() => telegram.sentTo(51).length === 1, 3_000);
    // Past the lease TTL (5 s), before the restart (409: long-poll timeout + 5 s = 6 s).
    await sleep(failedAt + 5_500 - Date.now());
    expect(telegram.calls('getUpdates').filter((c) => c.at > failedAt)).toEqual([]);
    const standby = createLease({ redis: client, name: leaseName, holder: 'test:standby', ttlMs: 5_000 });
    expect(await standby.acquire()).toBe(false);
    expect(await standby.holderNow()).toBe('test:a');
  });

  it('puts the reply in hand back for the next holder when the lease is lost mid-reply, and sends nothing more', async () => {
    await startWorker('test:a');
    await telegram.waitFor(() => telegram.calls('getUpdates').length > 0);
    const [first, second] = ['a'.repeat(3_000), 'b'.repeat(3_000)];
    telegram.setFault('sendMessage', { kind: 'delay', ms: 1_500, times: 1 });
    await queues.addOutbound(reply('f1-reply', 52, `${first}\n\n${second}`));
    await telegram.waitFor(() => telegram.calls('sendMessage').length === 1, 5_000);

    // While the first chunk is on its way, another process takes the lease (a frozen holder's fate).
    await client.del(`nb:lease:${leaseName}`);
    const next = createLease({ redis: client, name: leaseName, holder: 'test:b', ttlMs: 60_000 });
    expect(await next.acquire()).toBe(true);

    const outbound = queues.outbound('telegram');
    const deadline = Date.now() + 5_000;
    while ((await outbound.getJobState('f1-reply')) !== 'waiting' && Date.now() < deadline) await sleep(50);
    expect(await outbound.getJobState('f1-reply')).toBe('waiting');
    await queues.addOutbound(reply('f2-reply', 52, 'a later reply'));
    await sleep(1_500);
    expect(telegram.sentTo(52).map((m) => m.text)).toEqual([first]);
    expect(await outbound.getFailedCount()).toBe(0);

    // The new holder (same identity as `next`, so it takes the lease at once) finishes the reply.
    await startWorker('test:b');
    await telegram.waitFor(() => telegram.sentTo(52).length === 3, 20_000);
    expect(telegram.sentTo(52).map((m) => m.text)).toEqual([first, second, 'a later reply']);
  });
});
