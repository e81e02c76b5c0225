import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createSlackTraffic, fakeConfig, startFakeLlm, startFakeSlack, startFakeTelegram, startRedis, withFakeSlack,
  type Cluster, type FakeLlm, type FakeSlack, type FakeTelegram, type RedisServer,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** NANOBOT_SLACK_INSTANCES=2: one holds the Socket Mode connection, the other waits and takes over. */
describe('Slack hot standby', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  beforeAll(async () => {
    redis = await startRedis();
    slack = await startFakeSlack({ ackTimeoutMs: 1_000, retryDelaysMs: Array.from({ length: 60 }, () => 1_000), pingIntervalMs: 2_000 });
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeSlack(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), slack, ['*']),
    });
    cluster.env.NANOBOT_SLACK_INSTANCES = '2';
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed: ${started.stderr}`);
    await cluster.waitOnline(['nanobot-slack', 'nanobot-agent']);
    await slack.waitFor(() => slack.openConnections() === 1, 30_000);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await slack?.close();
    await telegram?.close();
    await llm?.close();
    await redis?.close();
  });

  it('keeps one connection with two instances; a killed holder is replaced (its restarted slot or the standby) without loss', async () => {
    const slackProcesses = async () => (await cluster.processes()).filter((p) => p.name === 'nanobot-slack');
    expect(await slackProcesses()).toHaveLength(2);
    await sleep(3_000);
    expect(slack.openConnections()).toBe(1);
    expect(slack.connectionsOpened()).toBe(1);

    const traffic = createSlackTraffic(slack, { conversations: [{ channel: 'D0SB1', user: 'U3001' }, { channel: 'D0SB2', user: 'U3002' }], prefix: 'standby' });
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    // The holder is the pm2 slot named in the lease (`<host>:<pm_id>`); kill exactly that process.
    const holder = await leaseHolder();
    const holderProcess = (await slackProcesses()).find((p) => holder.endsWith(`:${p.pmId}`));
    expect(holderProcess).toBeDefined();
    const opened = slack.connectionsOpened();
    process.kill(holderProcess?.pid ?? 0, 'SIGKILL');
    await stream(traffic);
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(slack.connectionsOpened()).toBeGreaterThan(opened);
    await sleep(3_000);
    expect(slack.openConnections()).toBe(1);
  }, 120_000);

  async function leaseHolder(): Promise<string> {
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('nb:lease:slack:*');
      const key = keys.find((k) => !k.endsWith(':token'));
      return key === undefined ? '' : ((await client.get(key)) ?? '');
    } finally {
      client.disconnect();
    }
  }

  async function stream(traffic: ReturnType<typeof createSlackTraffic>) {
    await traffic.stream(5, 300);
  }
});
