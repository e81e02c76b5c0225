import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanReport, createTraffic, startTelegramStack, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9331, 9332, 9333, 9334];
const usedMemory = async (redis: Redis) => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);

/**
 * Redis nearly full with replies waiting in the outbound queue: new messages are held at
 * Telegram from the 90% high-water mark on (packages/bus/src/memory-headroom.ts), so the
 * rest of the memory is there for the replies, which still go out, each once.
 */
describe('Redis under pressure: full, with replies already queued', () => {
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
  const queuedReplies = async () => {
    const counts = await Promise.all(['wait', 'active', 'delayed', 'prioritized'].map((state) => admin.zcard(`nb:outbound-telegram:${state}`).catch(() => admin.llen(`nb:outbound-telegram:${state}`))));
    return counts.reduce((a, b) => a + b, 0);
  };

  it('sends the queued replies while holding new messages at Telegram, and answers those once memory is freed', async () => {
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-headroom' });
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    const before = await restarts();

    // Telegram refuses to send for now: the next round's replies wait in the outbound queue.
    stack.telegram.setFault('sendMessage', { kind: 'retryAfter', seconds: 1 });
    traffic.round();
    const deadline = Date.now() + 30_000;
    while ((await queuedReplies()) < chats.length && Date.now() < deadline) await sleep(100);
    expect(await queuedReplies()).toBe(chats.length);

    // Past the high-water mark but under maxmemory: Redis itself still takes writes. The
    // ballast makes the margins (4% on either side) far larger than Redis's own ups and downs.
    // (SETRANGE: a 16 MB value from a tiny command, so no client buffer inflates the reading.)
    await admin.setrange('ballast', 16 * 1024 * 1024 - 1, 'x');
    await admin.config('SET', 'maxmemory', String(Math.ceil((await usedMemory(admin)) / 0.94)));
    await sleep(1_500);
    const offsetBefore = stack.telegram.confirmedOffset();
    traffic.round();
    stack.telegram.clearFaults();

    // The queued replies go out; the new round stays at Telegram, unconfirmed and unanswered.
    const answered = (chat: number) => stack.telegram.sentTo(chat).filter((m) => m.visibleText.startsWith('echo: redis-headroom-')).length;
    await stack.telegram.waitFor(() => chats.every((chat) => answered(chat) === 2), 30_000);
    await sleep(4_000);
    expect(stack.telegram.confirmedOffset()).toBe(offsetBefore);
    expect(chats.map(answered)).toEqual(chats.map(() => 2));
    expect(await queuedReplies()).toBe(0);
    expect((await stack.cluster.nanobot('status')).stdout).toContain('Redis full');

    await admin.config('SET', 'maxmemory', '0');
    await admin.del('ballast');
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect((await restarts()) - before).toBe(0);
  }, 150_000);
});
