import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanReport, createTraffic, startTelegramStack, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9301, 9302, 9303, 9304];

describe('Redis under pressure: maxmemory reached under noeviction', () => {
  let stack: TelegramStack;
  let admin: Redis;

  beforeAll(async () => {
    stack = await startTelegramStack({ redis: { appendonly: true } });
    admin = new Redis(stack.redis.url);
  });

  afterAll(async () => {
    admin?.disconnect();
    await stack?.close();
  });

  const restarts = async () => (await stack.cluster.processes()).reduce((n, p) => n + p.restarts, 0);

  it('holds the Telegram offset while Redis is full, says "Redis full", and answers everything once memory is freed', async () => {
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-full' });
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    const before = await restarts();
    const offsetBefore = stack.telegram.confirmedOffset();
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    const fullAt = Date.now();
    traffic.round();
    await sleep(8_000);
    // Nothing Redis refused is confirmed at Telegram, and nothing is answered meanwhile.
    expect(stack.telegram.confirmedOffset()).toBe(offsetBefore);
    expect(stack.telegram.sent().filter((m) => m.at > fullAt + 500)).toEqual([]);
    const status = await stack.cluster.nanobot('status');
    expect(status.stdout).toContain('Redis full');
    await admin.config('SET', 'maxmemory', '0');
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect((await restarts()) - before).toBe(0);
  }, 150_000);
});
