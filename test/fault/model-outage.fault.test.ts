import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanReport, createTraffic, startTelegramStack, type TelegramStack, type Traffic } from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The agent's words (apps/agent/src/replies.ts). */
const notice = "The model is not answering right now; I'll keep trying and answer as soon as it's back.";
const sorry = 'Sorry, I encountered an error.';
/** The agent's request timeout here, so a hanging request fails in seconds (default 120 s). */
const requestTimeoutS = 2;

/**
 * Model outages with the agent's real timing (the SDK's 2 retries, waits of 2 s doubling
 * to 30 s, the notice after 20 s of failing, a 600 s window), under pm2.
 */
describe('model outages: turns wait for the model instead of answering with an error', () => {
  let stack: TelegramStack;
  let redis: Redis;

  const noticesIn = (chat: number) => stack.telegram.sentTo(chat).filter((m) => m.visibleText === notice);
  const sessionsParked = async (chats: number[]) => {
    const owners = await Promise.all(chats.map((chat) => redis.get(`nb:sess:{telegram:${chat}}:owner`)));
    return owners.every((owner) => owner?.startsWith('parked-') === true);
  };
  const settle = async (traffic: Traffic, timeoutMs: number) => {
    await traffic.waitAllAnswered(timeoutMs);
    // Late duplicates would show up within this pause.
    await sleep(2_000);
  };

  beforeAll(async () => {
    stack = await startTelegramStack({
      configure: (config) => {
        (config.agents as { defaults: Record<string, unknown> }).defaults.requestTimeoutS = requestTimeoutS;
      },
    });
    redis = new Redis(stack.redis.url, { maxRetriesPerRequest: 1 });
    stack.telegram.injectMessage({ chatId: 9300, text: 'warm-up' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(9300).length === 1, 30_000);
  }, 90_000);

  afterEach(() => {
    stack.llm.clearFaults();
  });

  afterAll(async () => {
    await redis?.quit();
    await stack?.close();
  });

  it('answers every message once and in order after 60 s of 500s, with one notice per chat, across a kill -9 of the agent during the wait', async () => {
    const chats = [9301, 9302, 9303, 9304];
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'five-hundred' });
    stack.llm.setFault({ kind: 'status', status: 500, forMs: 60_000 });
    const outageStartedAt = Date.now();
    traffic.round();
    // Every chat's turn failed past the SDK's own retries and waits in the delayed set.
    const deadline = Date.now() + 20_000;
    while (!(await sessionsParked(chats))) {
      if (Date.now() > deadline) throw new Error('the sessions were never put back');
      await sleep(50);
    }
    process.kill(await stack.cluster.pidOf('nanobot-agent'), 'SIGKILL');
    const killedAt = Date.now();
    await sleep(3_000);
    traffic.round();
    await sleep(7_000);
    traffic.round();
    await sleep(25_000);
    traffic.round();
    expect(stack.telegram.sent().filter((m) => m.visibleText.startsWith('echo: five-hundred'))).toEqual([]);

    await settle(traffic, 120_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    for (const chat of chats) {
      const got = stack.telegram.sentTo(chat).map((m) => m.visibleText);
      // Each chat's first message waited past 20 s: told once, before the answers.
      expect(noticesIn(chat), String(chat)).toHaveLength(1);
      expect(got.indexOf(notice)).toBeLessThan(got.findIndex((t) => t.startsWith('echo: ')));
      expect(got).not.toContain(sorry);
    }
    // No answer came before the model was back.
    const firstAnswer = Math.min(...stack.telegram.sent().filter((m) => m.visibleText.startsWith('echo: five-hundred')).map((m) => m.at));
    expect(firstAnswer - outageStartedAt).toBeGreaterThanOrEqual(60_000);
    expect(killedAt - outageStartedAt).toBeLessThan(20_000);
    const agent = (await stack.cluster.processes()).find((p) => p.name === 'nanobot-agent');
    expect(agent?.restarts).toBeGreaterThanOrEqual(1);
  }, 240_000);

  it('answers every message once and in order after requests hang past the request timeout for 12 s', async () => {
    const chats = [9311, 9312, 9313];
    const traffic = createTraffic(stack.telegram, { chats, prefix: 'hang' });
    stack.llm.setFault({ kind: 'hang', forMs: 12_000 });
    traffic.round();
    await sleep(4_000);
    traffic.round();
    await settle(traffic, 120_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    for (const chat of chats) {
      expect(noticesIn(chat).length, String(chat)).toBeLessThanOrEqual(1);
      expect(stack.telegram.sentTo(chat).map((m) => m.visibleText)).not.toContain(sorry);
    }
  }, 120_000);

  it('answers a rejected API key (401) at once with the reason', async () => {
    stack.llm.setFault({ kind: 'status', status: 401, times: 1 });
    const sentAt = Date.now();
    stack.telegram.injectMessage({ chatId: 9321, text: 'hello?' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(9321).length === 1, 15_000);
    const [reply] = stack.telegram.sentTo(9321);
    expect(reply?.visibleText).toBe('The model provider rejected the API key (401). Check providers.custom.apiKey in config.json.');
    expect((reply?.at ?? Infinity) - sentAt).toBeLessThan(5_000);
    expect(reply?.visibleText).not.toContain('test-key');
  }, 30_000);
});
