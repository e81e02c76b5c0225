import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { InboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startRedis, type RedisServer } from '@nanobot/testkit';
import { createTrafficRecorder, latencyPercentileMs, readTraffic, trafficBucketMs, trafficTtlMs } from './traffic.js';

const message = (id: string, receivedAt: number, channel: InboundMessage['channel'] = 'telegram'): InboundMessage => ({
  kind: 'message', id, channel, chatId: '1', senderId: '1', sessionKey: `${channel}:1`, seq: 1, receivedAt, text: 'hi', media: [],
});

describe('traffic record', () => {
  let server: RedisServer;
  let redis: Redis;
  const log = createLogger({ name: 'test', level: 'silent' });
  // The middle of a minute, so that +20 s stays in it.
  const t0 = 1_800_000_000_000 - (1_800_000_000_000 % trafficBucketMs) + 10_000;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.close();
  });

  it('counts each message and reply once, and the latency of the first reply to a message', async () => {
    let clock = t0;
    const traffic = createTrafficRecorder(redis, log, () => clock);
    await traffic.noteIn(message('a', t0));
    await traffic.noteIn(message('a', t0)); // redelivered
    await traffic.noteIn(message('b', t0));
    await traffic.noteIn(message('c', t0, 'cli')); // the terminal is not traffic of a channel
    clock = t0 + 700;
    await traffic.noteOut({ id: 'a-reply', inReplyTo: 'a' });
    await traffic.noteOut({ id: 'a-reply', inReplyTo: 'a' }); // re-run of a sent reply
    clock = t0 + 20_000;
    await traffic.noteOut({ id: 'a-notice', inReplyTo: 'a' }); // a second message about it: out, no latency
    await traffic.noteOut({ id: 'b-reply', inReplyTo: 'b' });

    const minutes = await readTraffic(redis, { now: clock, minutes: 60 });
    expect(minutes).toHaveLength(60);
    const current = minutes[59];
    expect(current).toMatchObject({ in: 2, out: 3, latencyCount: 2, latencySumMs: 20_700 });
    expect(minutes.slice(0, 59).every((m) => m.in === 0 && m.out === 0)).toBe(true);
    expect(latencyPercentileMs(minutes, 0.5)).toBe(1_000);
    expect(latencyPercentileMs(minutes, 0.95)).toBe(30_000);
    expect(latencyPercentileMs(minutes.slice(0, 59), 0.95)).toBeNull();
    const ttl = await redis.pttl(`nb:traffic:${current?.at}`);
    expect(ttl).toBeGreaterThan(trafficTtlMs - 60_000);
    expect(ttl).toBeLessThanOrEqual(trafficTtlMs);
  });

  it('puts later minutes in their own bucket and reads them oldest first', async () => {
    let clock = t0 + 10 * trafficBucketMs;
    const traffic = createTrafficRecorder(redis, log, () => clock);
    await traffic.noteIn(message('d', clock));
    clock += trafficBucketMs;
    await traffic.noteIn(message('e', clock));
    await traffic.noteIn(message('f', clock));
    const minutes = await readTraffic(redis, { now: clock, minutes: 3 });
    expect(minutes.map((m) => m.in)).toEqual([0, 1, 2]);
    expect(minutes[2]!.at - minutes[0]!.at).toBe(2 * trafficBucketMs);
  });

  it('never throws when Redis is away', async () => {
    const away = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const traffic = createTrafficRecorder(away, log);
    await expect(traffic.noteIn(message('g', t0))).resolves.toBeUndefined();
    await expect(traffic.noteOut({ id: 'g-reply', inReplyTo: 'g' })).resolves.toBeUndefined();
    away.disconnect();
  });
});
