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
const chats = [9101, 9102, 9103, 9104, 9105, 9106];

describe('kill -9 of workers while messages flow', () => {
  let redis: RedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  beforeAll(async () => {
    redis = await startRedis();
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

  it('answers every message exactly once, in order, when the telegram worker is killed mid-flow', async () => {
    llm.setLatency({ minMs: 0, maxMs: 40 });
    const traffic = createTraffic(telegram, { chats, prefix: 'kill-tg' });
    let killedAt = 0;
    await traffic.stream(24, 120, async (round) => {
      if (round === 8) {
        process.kill(await cluster.pidOf('nanobot-telegram'), 'SIGKILL');
        killedAt = Date.now();
      }
    });
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(killedAt).toBeGreaterThan(0);
    const restarted = (await cluster.processes()).find((p) => p.name === 'nanobot-telegram');
    expect(restarted?.restarts).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('answers the message whose turn was cut by kill -9 of the agent exactly once, after the agent restarts', async () => {
    llm.setLatency(1_500);
    const traffic = createTraffic(telegram, { chats, prefix: 'kill-agent' });
    traffic.round();
    await telegram.waitFor(() => llm.inFlight() > 0, 20_000);
    const requestsBefore = llm.requests().length;
    process.kill(await cluster.pidOf('nanobot-agent'), 'SIGKILL');
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // The cut turn was run again after the restart: more model calls than messages answered before.
    expect(llm.requests().length).toBeGreaterThan(requestsBefore);
  }, 120_000);
});
