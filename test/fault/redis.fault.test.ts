import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createTraffic,
  startTelegramStack,
  type TelegramStack,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9201, 9202, 9203, 9204, 9205, 9206];

describe('Redis outages', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack({ redis: { appendonly: true } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const restarts = async () => (await stack.cluster.processes()).reduce((n, p) => n + p.restarts, 0);

  it('loses nothing queued when Redis restarts (AOF) and flows again within seconds', async () => {
    stack.llm.setLatency(700);
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-restart' });
    traffic.round();
    traffic.round();
    // Let the messages reach the queues, with turns still waiting behind the slow model.
    await stack.telegram.waitFor(() => stack.llm.inFlight() > 0, 20_000);
    await stack.redis.restart();
    const restartedAt = Date.now();
    const probe = traffic.send(chats[0] ?? 0);
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const probeReply = stack.telegram.sent().find((m) => m.visibleText === `echo: ${probe}`);
    // The probe waits behind its chat's earlier turns (700 ms each); generous bound here,
    // the 5 s recovery target is measured by bench/recovery.
    expect((probeReply?.at ?? Infinity) - restartedAt).toBeLessThan(20_000);
    expect(await restarts()).toBe(0);
  }, 150_000);

  it('keeps every worker up through 30 s without Redis and answers what came meanwhile', async () => {
    stack.llm.setLatency(0);
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-away' });
    traffic.round();
    await traffic.waitAllAnswered(20_000);
    await stack.redis.stop();
    const stoppedAt = Date.now();
    for (let i = 0; i < 3; i += 1) {
      traffic.round();
      await sleep(5_000);
    }
    await sleep(Math.max(0, 30_000 - (Date.now() - stoppedAt)));
    expect(stack.telegram.sent().filter((m) => m.at > stoppedAt + 1_000)).toEqual([]);
    await stack.redis.restart();
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(await restarts()).toBe(0);
  }, 150_000);
});
