import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createCluster,
  createTraffic,
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
const chats = [9201, 9202, 9203, 9204, 9205, 9206];

describe('Redis outages', () => {
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
  });

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  const restarts = async () => (await cluster.processes()).reduce((n, p) => n + p.restarts, 0);

  it('loses nothing queued when Redis restarts (AOF) and flows again within seconds', async () => {
    llm.setLatency(700);
    const traffic = createTraffic(telegram, { chats, prefix: 'redis-restart' });
    traffic.round();
    traffic.round();
    // Let the messages reach the queues, with turns still waiting behind the slow model.
    await telegram.waitFor(() => llm.inFlight() > 0, 20_000);
    await redis.restart();
    const restartedAt = Date.now();
    const probe = traffic.send(chats[0] ?? 0);
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const probeReply = telegram.sent().find((m) => m.visibleText === `echo: ${probe}`);
    // The probe waits behind its chat's earlier turns (700 ms each); generous bound here,
    // the 5 s recovery target is measured by bench/recovery.
    expect((probeReply?.at ?? Infinity) - restartedAt).toBeLessThan(20_000);
    expect(await restarts()).toBe(0);
  }, 150_000);

  it('keeps every worker up through 30 s without Redis and answers what came meanwhile', async () => {
    llm.setLatency(0);
    const traffic = createTraffic(telegram, { chats, prefix: 'redis-away' });
    traffic.round();
    await traffic.waitAllAnswered(20_000);
    await redis.stop();
    const stoppedAt = Date.now();
    for (let i = 0; i < 3; i += 1) {
      traffic.round();
      await sleep(5_000);
    }
    await sleep(Math.max(0, 30_000 - (Date.now() - stoppedAt)));
    expect(telegram.sent().filter((m) => m.at > stoppedAt + 1_000)).toEqual([]);
    await redis.restart();
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(await restarts()).toBe(0);
  }, 150_000);
});
