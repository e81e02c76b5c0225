import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTelegramStack,
  type TelegramStack,
} from '@nanobot/testkit';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the offset rule: an update is confirmed to Telegram only once it is in Redis', () => {
  let stack: TelegramStack;

  beforeAll(async () => {
    stack = await startTelegramStack({ redis: { appendonly: true } });
    stack.telegram.injectMessage({ chatId: 501, text: 'warm-up' });
    await stack.telegram.waitFor(() => stack.telegram.sentTo(501).length === 1, 20_000);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('keeps the update unconfirmed while Redis is down and answers it exactly once after Redis returns', async () => {
    await stack.redis.stop();
    const update = stack.telegram.injectMessage({ chatId: 502, text: 'during the outage' });
    // Long enough for several poll/restart rounds of the telegram worker.
    await sleep(6_000);
    expect(stack.telegram.confirmedOffset()).toBeLessThanOrEqual(update.update_id);
    expect(stack.telegram.pendingUpdates().map((u) => u.update_id)).toContain(update.update_id);
    expect(stack.telegram.sentTo(502)).toEqual([]);
    const pollsDuringOutage = stack.telegram.calls('getUpdates').length;

    await stack.redis.restart();
    await stack.telegram.waitFor(() => stack.telegram.sentTo(502).length >= 1, 30_000).catch(async (err: unknown) => {
      console.log((await stack.cluster.logs('nanobot-telegram')).split('\n').slice(-60).join('\n'));
      throw err;
    });
    await sleep(2_000);
    expect(stack.telegram.sentTo(502).map((m) => m.visibleText)).toEqual(['echo: during the outage']);
    expect(stack.telegram.confirmedOffset()).toBeGreaterThan(update.update_id);
    // The worker kept polling through the outage instead of exiting.
    expect(pollsDuringOutage).toBeGreaterThan(1);
    const telegramProcess = (await stack.cluster.processes()).find((p) => p.name === 'nanobot-telegram');
    expect(telegramProcess?.restarts).toBe(0);
    // The supervisor's lines, exactly as operators grep for them (docs/reliability.md, guarantee 4).
    const log = await stack.cluster.logs('nanobot-telegram');
    expect(log).toContain('"msg":"Starting telegram channel..."');
    expect(log).toMatch(/"msg":"telegram channel error: BUS_UNAVAILABLE: [^"]+"/);
    expect(log).toContain('"msg":"Restarting telegram channel in 2s..."');
  });
});
