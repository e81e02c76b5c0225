import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createTraffic,
  startTelegramStack,
  type TelegramStack,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9401, 9402, 9403, 9404];

describe('a hot standby telegram worker', () => {
  let stack: TelegramStack;
  let client: Redis;

  beforeAll(async () => {
    stack = await startTelegramStack({ telegramInstances: 2 });
    client = new Redis(stack.redis.url);
  });

  afterAll(async () => {
    await client?.quit();
    await stack?.close();
  });

  /** The pid of the telegram worker that holds the poller lease (`host:pm_id`). */
  async function activePid(): Promise<number> {
    const holder = await client.get(`nb:lease:telegram:${stack.telegram.botId}`);
    const pmId = Number(holder?.split(':').pop());
    const active = (await stack.cluster.processes()).find((p) => p.name === 'nanobot-telegram' && p.pmId === pmId);
    if (active === undefined || active.pid === 0) throw new Error(`no active telegram worker for ${holder}`);
    return active.pid;
  }

  it('polls from one process only, and the standby takes over within 10 s of a kill -9, with no duplicates', async () => {
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'standby' });
    traffic.round();
    await traffic.waitAllAnswered(20_000);
    const status = await stack.cluster.nanobot('status');
    expect(status.stdout).toMatch(/telegram\s+running\s+active/);
    expect(status.stdout).toMatch(/telegram\s+running\s+standby/);

    const killed = await activePid();
    process.kill(killed, 'SIGKILL');
    const killedAt = Date.now();
    const first = traffic.send(chats[0] ?? 0);
    await traffic.stream(10, 300);
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const firstReply = stack.telegram.sent().find((m) => m.visibleText === `echo: ${first}`);
    expect((firstReply?.at ?? Infinity) - killedAt).toBeLessThan(10_000);
    // Never two pollers at once: the fake answers a second concurrent poll with 409.
    expect(stack.telegram.calls('getUpdates').filter((c) => c.status === 409)).toEqual([]);
  }, 120_000);
});
