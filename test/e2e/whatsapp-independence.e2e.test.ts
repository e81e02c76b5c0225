import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createTraffic, createWhatsappTraffic, fakeConfig, startFakeLlm, startFakeTelegram,
  startFakeWhatsappBridge, startRedis, withFakeWhatsapp,
  type Cluster, type FakeLlm, type FakeTelegram, type FakeWhatsappBridge, type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** "On time": well under what a user notices, far below any restart backoff of the broken channel. */
const onTimeMs = 5_000;

describe('WhatsApp and Telegram are independent', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let bridge: FakeWhatsappBridge;
  let cluster: Cluster;

  beforeAll(async () => {
    redis = await startRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    bridge = await startFakeWhatsappBridge();
    llm.setLatency({ minMs: 0, maxMs: 30 });
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeWhatsapp(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), bridge),
    });
    expect((await cluster.nanobot('start')).code).toBe(0);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-whatsapp', 'nanobot-agent']);
    await bridge.waitFor(() => bridge.openConnections() === 1, 20_000);
  });

  afterAll(async () => {
    await cluster?.destroy();
    await bridge?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  /** Kills `name` with SIGKILL every `everyMs` until the returned stop() (a crash loop). */
  function crashLoop(name: string, everyMs: number): () => Promise<number> {
    let kills = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const pid = await cluster.pidOf(name).catch(() => 0); // between restarts there is no pid
        if (pid > 0) {
          process.kill(pid, 'SIGKILL');
          kills += 1;
        }
        await sleep(everyMs);
      }
    })();
    return async () => {
      running = false;
      await loop;
      return kills;
    };
  }

  it('answers Telegram on time while the WhatsApp bridge is down and the WhatsApp worker crash-loops', async () => {
    await bridge.stop();
    const whatsappWhileDown = createWhatsappTraffic(bridge, { chats: ['4915100000009@s.whatsapp.net'], prefix: 'queued' });
    whatsappWhileDown.round(); // held by the (stopped) bridge until it is back
    const traffic = createTraffic(telegram, { chats: [8101, 8102, 8103], prefix: 'tg-indep' });
    let kills = 0;
    try {
      const stopCrashing = crashLoop('nanobot-whatsapp', 500);
      await traffic.stream(15, 300);
      await traffic.waitAllAnswered(30_000);
      kills = await stopCrashing();
    } finally {
      await bridge.start();
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(Math.max(...traffic.latencies())).toBeLessThan(onTimeMs);

    // And WhatsApp recovers by itself, without losing what arrived while it was broken.
    await whatsappWhileDown.waitAllAnswered(60_000);
    expect(whatsappWhileDown.report()).toEqual(cleanReport(1));
  }, 150_000);

  it('answers WhatsApp on time while Telegram fails and the Telegram worker crash-loops', async () => {
    telegram.setFault('getUpdates', { kind: 'status', status: 502, description: 'Bad Gateway' });
    const stopCrashing = crashLoop('nanobot-telegram', 500);
    const traffic = createWhatsappTraffic(bridge, { chats: ['4915100000011@s.whatsapp.net', '4915100000012@s.whatsapp.net'], prefix: 'wa-indep' });
    await traffic.stream(15, 300);
    await traffic.waitAllAnswered(30_000);
    const kills = await stopCrashing();
    telegram.clearFaults();
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(Math.max(...traffic.latencies())).toBeLessThan(onTimeMs);
  }, 150_000);
});
