import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanReport, createTraffic, lastUserText, startTelegramStack, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9321, 9322, 9323, 9324];

/**
 * Every command the cluster sends takes 200 ms longer: a proxy (packages/testkit
 * slow-redis-proxy.ts) holds each chunk a client writes before passing it to Redis. Lock
 * renewals, liveness refreshes and the dead-worker sweep all pay it; none may mistake a
 * slow answer for a dead worker and run a turn again.
 */
describe('Redis under pressure: every command 200 ms slower', () => {
  let stack: TelegramStack;
  let admin: Redis;

  beforeAll(async () => {
    stack = await startTelegramStack({ redis: { appendonly: true }, slowRedisMs: 200, agentInstances: 2 });
    // The test's own reads go straight to Redis, not through the proxy.
    admin = new Redis(stack.redis.url);
  });

  afterAll(async () => {
    admin?.disconnect();
    await stack?.close();
  });

  const restarts = async () => (await stack.cluster.processes()).reduce((n, p) => n + p.restarts, 0);
  /** Model calls per message text: a turn that was run twice asks the model twice. */
  const callsPerMessage = () => {
    const calls = new Map<string, number>();
    for (const request of stack.llm.requests()) {
      const text = lastUserText(request.body);
      if (text.startsWith('redis-slow')) calls.set(text, (calls.get(text) ?? 0) + 1);
    }
    return calls;
  };

  it('answers every message once, in order, with no worker restarted and no turn run twice', async () => {
    expect(stack.proxy?.forwarded()).toBeGreaterThan(0);
    const before = await restarts();
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-slow' });
    // Short turns, then turns longer than the job lock (6 s, renewed every 3 s through the
    // slow link) and than the liveness key's TTL (1 s, refreshed every 250 ms).
    stack.llm.setLatency(300);
    traffic.round();
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    stack.llm.setLatency(8_000);
    traffic.round();
    await stack.telegram.waitFor(() => stack.llm.inFlight() >= 2, 30_000);
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);

    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const calls = callsPerMessage();
    expect(calls.size).toBe(traffic.total());
    expect([...calls.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect((await restarts()) - before).toBe(0);
    // Nothing was left waiting or failed on the way.
    expect(await admin.llen('nb:inbound:wait')).toBe(0);
    expect(await admin.zcard('nb:inbound:failed')).toBe(0);
  }, 240_000);
});
