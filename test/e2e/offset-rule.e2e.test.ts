import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  fakeConfig,
  startFakeLlm,
  startFakeTelegram,
  startRedis,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
  type RedisServer,
} from '@nanobot/testkit';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the offset rule: an update is confirmed to Telegram only once it is in Redis', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    cluster = await createCluster({
      redisUrl: redis.url,
      config: fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }),
    });
    expect((await cluster.nanobot('start')).code).toBe(0);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
    telegram.injectMessage({ chatId: 501, text: 'warm-up' });
    await telegram.waitFor(() => telegram.sentTo(501).length === 1, 20_000);
  });

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('keeps the update unconfirmed while Redis is down and answers it exactly once after Redis returns', async () => {
    await redis.stop();
    const update = telegram.injectMessage({ chatId: 502, text: 'during the outage' });
    // Long enough for several poll/restart rounds of the telegram worker.
    await sleep(6_000);
    expect(telegram.confirmedOffset()).toBeLessThanOrEqual(update.update_id);
    expect(telegram.pendingUpdates().map((u) => u.update_id)).toContain(update.update_id);
    expect(telegram.sentTo(502)).toEqual([]);
    const pollsDuringOutage = telegram.calls('getUpdates').length;

    await redis.restart();
    await telegram.waitFor(() => telegram.sentTo(502).length >= 1, 30_000).catch(async (err: unknown) => {
      console.log((await cluster.logs('nanobot-telegram')).split('\n').slice(-60).join('\n'));
      throw err;
    });
    await sleep(2_000);
    expect(telegram.sentTo(502).map((m) => m.visibleText)).toEqual(['echo: during the outage']);
    expect(telegram.confirmedOffset()).toBeGreaterThan(update.update_id);
    // The worker kept polling through the outage instead of exiting.
    expect(pollsDuringOutage).toBeGreaterThan(1);
    const telegramProcess = (await cluster.processes()).find((p) => p.name === 'nanobot-telegram');
    expect(telegramProcess?.restarts).toBe(0);
  });
});
