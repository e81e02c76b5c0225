import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanReport, createTraffic, lastUserText, startTelegramStack, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9311, 9312, 9313, 9314];

/**
 * Redis counts key expiry by its own clock, which keeps going while it is stopped: at SIGCONT
 * every job lock (6 s) and liveness key (1 s) has expired while the agents still run the turns
 * in flight. Each holder must win its lock back before any stalled check moves its job, so no
 * turn is run a second time (counted as model calls per message at the fake LLM).
 */
describe('Redis under pressure: redis-server frozen by SIGSTOP for 30 s', () => {
  let stack: TelegramStack;
  let admin: Redis;

  beforeAll(async () => {
    stack = await startTelegramStack({ redis: { appendonly: true } });
    admin = new Redis(stack.redis.url);
  });

  afterAll(async () => {
    const pid = stack?.redis.pid();
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    admin?.disconnect();
    await stack?.close();
  });

  const restarts = async () => (await stack.cluster.processes()).reduce((n, p) => n + p.restarts, 0);
  /** Model calls per message text: a turn that was run twice asks the model twice. */
  const callsPerMessage = () => {
    const calls = new Map<string, number>();
    for (const request of stack.llm.requests()) {
      const text = lastUserText(request.body);
      if (text.startsWith('redis-frozen')) calls.set(text, (calls.get(text) ?? 0) + 1);
    }
    return calls;
  };

  it('keeps every worker up, re-runs no turn and answers every message once after SIGCONT', async () => {
    stack.llm.setLatency(700);
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-frozen' });
    traffic.round();
    await stack.telegram.waitFor(() => stack.llm.inFlight() > 0, 20_000);
    const before = await restarts();
    const pid = stack.redis.pid();
    if (pid === undefined) throw new Error('redis-server has no pid');
    process.kill(pid, 'SIGSTOP');
    const inFlightAtFreeze = stack.llm.inFlight();
    traffic.round();
    await sleep(30_000);
    process.kill(pid, 'SIGCONT');
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(inFlightAtFreeze).toBeGreaterThan(0);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const calls = callsPerMessage();
    expect(calls.size).toBe(traffic.total());
    expect([...calls.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // Bounded, decided: a 30 s freeze restarts no worker.
    expect((await restarts()) - before).toBe(0);
    // It was the holders that won their expired locks back (lock-rescue.ts), not timing luck.
    const rescued = (await stack.cluster.logs('nanobot-agent')).split('\n').filter((line) => line.includes('won back')).length;
    expect(rescued).toBeGreaterThan(0);
    expect(await admin.llen('nb:inbound:wait')).toBe(0);
    expect(await admin.zcard('nb:inbound:failed')).toBe(0);
  }, 150_000);
});
