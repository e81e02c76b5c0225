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
const chats = [9301, 9302, 9303, 9304];

describe('stopping the cluster during a turn', () => {
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

  it('`nanobot stop` mid-turn, messages while stopped, `nanobot start`: all answered once, in order', async () => {
    llm.setLatency(2_000);
    const traffic = createTraffic(telegram, { chats, prefix: 'stop-start' });
    traffic.round();
    traffic.round();
    await telegram.waitFor(() => llm.inFlight() > 0, 20_000);
    const stopped = await cluster.nanobot('stop');
    expect(stopped.code, stopped.stderr).toBe(0);
    traffic.round();
    await sleep(1_000);
    const started = await cluster.nanobot('start');
    expect(started.code, started.stderr).toBe(0);
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // The agent finished the turn in hand before it exited: the drain log says so.
    expect(await cluster.logs('nanobot-agent')).toContain('stopping: finishing the turns in hand');
  }, 150_000);

  it('SIGINT to the agent mid-turn: pm2 restarts it and nothing is lost or doubled', async () => {
    llm.setLatency(1_500);
    const traffic = createTraffic(telegram, { chats, prefix: 'sigint' });
    traffic.round();
    await telegram.waitFor(() => llm.inFlight() > 0, 20_000);
    process.kill(await cluster.pidOf('nanobot-agent'), 'SIGINT');
    traffic.round();
    await traffic.waitAllAnswered(90_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const agent = (await cluster.processes()).find((p) => p.name === 'nanobot-agent');
    expect(agent?.status).toBe('online');
  }, 150_000);
});
