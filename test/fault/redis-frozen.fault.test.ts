import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanReport, createTraffic, startTelegramStack, type TelegramStack } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9311, 9312, 9313, 9314];

describe('Redis under pressure: redis-server frozen by SIGSTOP for 30 s', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack({ redis: { appendonly: true } });
  });

  afterAll(async () => {
    const pid = stack?.redis.pid();
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    await stack?.close();
  });

  const restarts = async () => (await stack.cluster.processes()).reduce((n, p) => n + p.restarts, 0);

  it('keeps every worker up, re-runs no turn and answers every message once after SIGCONT', async () => {
    stack.llm.setLatency(700);
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'redis-frozen' });
    traffic.round();
    await stack.telegram.waitFor(() => stack.llm.inFlight() > 0, 20_000);
    const before = await restarts();
    const pid = stack.redis.pid();
    if (pid === undefined) throw new Error('redis-server has no pid');
    process.kill(pid, 'SIGSTOP');
    traffic.round();
    await sleep(30_000);
    process.kill(pid, 'SIGCONT');
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // Bounded, decided: a 30 s freeze restarts no worker.
    expect((await restarts()) - before).toBe(0);
  }, 150_000);
});
