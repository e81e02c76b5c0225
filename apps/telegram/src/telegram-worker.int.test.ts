import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bullPrefix, createQueues, queueNames, workerReliability } from '@nanobot/bus';
import { configSchema } from '@nanobot/config';
import type { OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeTelegram, startRedis, type FakeTelegram, type RedisServer } from '@nanobot/testkit';
import { createTelegramWorker, type TelegramWorker } from './telegram-worker.js';

const log = createLogger({ name: 'telegram-int', level: 'silent' });
/** Far longer than any wait below: a reply that goes out sooner was not waiting out its hold. */
const longHoldMs = 30_000;

const reply = (id: string, chatId: number, text: string, replyTo?: number): OutboundMessage => ({
  kind: 'reply', id, inReplyTo: id.replace(/-reply$/, ''), channel: 'telegram', chatId: String(chatId), text, format: 'plain',
  ...(replyTo === undefined ? {} : { replyToMessageId: String(replyTo) }),
});

describe('the Telegram worker sending replies', () => {
  let redis: RedisServer;
  let client: Redis;
  let queues: ReturnType<typeof createQueues>;
  let telegram: FakeTelegram;
  let worker: TelegramWorker;

  beforeAll(async () => {
    redis = await startRedis(); // AOF on: one test restarts Redis with replies queued
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queues = createQueues(client, log);
  });
  afterAll(async () => {
    await queues.close();
    await client.quit();
    await redis.close();
  });

  async function startWorker(): Promise<TelegramWorker> {
    const settings = configSchema.parse({
      channels: { telegram: { enabled: true, token: telegram.token, apiRoot: telegram.apiRoot, allowFrom: ['*'], pollTimeoutS: 1 } },
    }).channels.telegram;
    const started = createTelegramWorker({
      settings, redisUrl: redis.url, log, holder: 'test:0', instance: '0', pid: process.pid, putBackDelayMs: () => longHoldMs,
    });
    await started.start((err) => {
      throw err;
    });
    return started;
  }

  beforeEach(async () => {
    await client.flushall();
    telegram = await startFakeTelegram();
    worker = await startWorker();
    await telegram.waitFor(() => telegram.calls('getUpdates').length > 0);
  });
  afterEach(async () => {
    await worker.stop('test over');
    await telegram.close();
  });

  it('sends a reply put back during an outage as soon as Telegram answers again, not after its hold', async () => {
    // A 502 does not prove the reply was not delivered: the sender looks after the user's message first.
    const asked = telegram.injectMessage({ chatId: 31, text: 'question' }).message!.message_id;
    telegram.setFault('*', { kind: 'status', status: 502, description: 'Bad Gateway' });
    await queues.addOutbound(reply('o1-reply', 31, 'held through the outage', asked));
    await telegram.waitFor(() => telegram.calls('sendMessage').some((c) => c.status === 502), 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const outageOver = Date.now();
    telegram.clearFaults();
    await telegram.waitFor(() => telegram.sentTo(31).length === 1, 15_000);
    // Polling resumes within the 2 s outage restart delay; the hold is lifted on the first poll.
    expect(telegram.sent()[0]!.at - outageOver).toBeLessThan(5_000);
    expect(telegram.sentTo(31).map((m) => m.text)).toEqual(['held through the outage']);
  });

  it('keeps a later reply behind the put-back one', async () => {
    const asked = telegram.injectMessage({ chatId: 32, text: 'question' }).message!.message_id;
    telegram.setFault('*', { kind: 'status', status: 502 });
    await queues.addOutbound(reply('o2-reply', 32, 'first', asked));
    await telegram.waitFor(() => telegram.calls('sendMessage').some((c) => c.status === 502), 10_000);
    await queues.addOutbound(reply('o3-reply', 32, 'second'));
    await new Promise((r) => setTimeout(r, 1_000));
    telegram.clearFaults();
    await telegram.waitFor(() => telegram.sentTo(32).length === 2, 15_000);
    expect(telegram.sentTo(32).map((m) => m.text)).toEqual(['first', 'second']);
  });

  it('still waits out a 429 retry_after although polls succeed meanwhile', async () => {
    telegram.setFault('sendMessage', { kind: 'retryAfter', seconds: 3, times: 1 });
    await queues.addOutbound(reply('o4-reply', 33, 'after the rate limit'));
    await telegram.waitFor(() => telegram.calls('sendMessage').length === 1, 10_000);
    const limited = telegram.calls('sendMessage')[0]!.at;
    await telegram.waitFor(() => telegram.sentTo(33).length === 1, 15_000);
    const pollsMeanwhile = telegram.calls('getUpdates').filter((c) => c.at > limited && c.at < telegram.sent()[0]!.at);
    expect(pollsMeanwhile.length).toBeGreaterThan(1);
    expect(telegram.sent()[0]!.at - limited).toBeGreaterThanOrEqual(2_900);
  });

  it('sends the reply a killed lease holder had in hand before a later reply to the same chat', async () => {
    await worker.stop('making way for a predecessor');
    await queues.addOutbound(reply('k1-reply', 34, 'in hand when the worker died'));
    // The dead holder's sender: took the reply, never finished it; its lock expires in lockDuration.
    const dead = new Worker(queueNames.outbound('telegram'), null, { connection: client, prefix: bullPrefix, ...workerReliability });
    expect((await dead.getNextJob('dead-worker-token'))?.id).toBe('k1-reply');
    await queues.addOutbound(reply('k2-reply', 34, 'sent after the restart'));

    worker = await startWorker();
    await telegram.waitFor(() => telegram.sentTo(34).length === 2, 20_000);
    expect(telegram.sentTo(34).map((m) => m.text)).toEqual(['in hand when the worker died', 'sent after the restart']);
    await dead.close(true);
  });

  it('records a reply as sent once Redis is back: no second copy, and the next reply stays behind it', async () => {
    // Telegram answers the first send while Redis is down, so its sent-marker cannot be written yet.
    telegram.setFault('sendMessage', { kind: 'delay', ms: 1_500, times: 1 });
    await queues.addOutbound(reply('r1-reply', 41, 'answered while Redis restarts'));
    await queues.addOutbound(reply('r2-reply', 41, 'the next one'));
    await telegram.waitFor(() => telegram.calls('sendMessage').length === 1, 10_000);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    await redis.restart();
    await telegram.waitFor(() => telegram.sentTo(41).length >= 2, 20_000);
    await new Promise((r) => setTimeout(r, 3_000)); // a second copy would come now
    expect(telegram.sentTo(41).map((m) => m.text)).toEqual(['answered while Redis restarts', 'the next one']);
  });

  it('stops within seconds when Redis is already gone, instead of waiting for it until pm2 kills it', async () => {
    await redis.stop();
    await new Promise((r) => setTimeout(r, 500)); // the connections notice and start reconnecting
    const started = Date.now();
    const stopped = await worker.stop('test: Redis gone').then(() => 'clean', (err: unknown) => (err as { code?: string }).code);
    const tookMs = Date.now() - started;
    await redis.restart();
    worker = await startWorker(); // afterEach stops a worker
    // An unclean stop is reported as one; what matters is that it ends well inside pm2's kill_timeout (20 s).
    expect(['clean', 'STOP_TIMEOUT']).toContain(stopped);
    expect(tookMs).toBeLessThan(15_000);
  });
});

