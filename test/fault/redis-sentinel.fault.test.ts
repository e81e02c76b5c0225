import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createCluster,
  createTraffic,
  fakeConfig,
  startFakeLlm,
  startFakeTelegram,
  startSentinelSetup,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
  type SentinelSetup,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9301, 9302, 9303, 9304, 9305, 9306];

/**
 * The real cluster under pm2 on Redis Sentinel (one primary, one replica, three sentinels) with
 * `redis.waitReplicas: 1`: every process reaches Redis through the sentinels, and a channel
 * confirms a message at Telegram only once the replica holds it.
 */
describe('Redis Sentinel failover', () => {
  let setup: SentinelSetup;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  beforeAll(async () => {
    setup = await startSentinelSetup();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    config.redis = { sentinels: setup.sentinels, name: setup.name, waitReplicas: 1, waitTimeoutMs: 1_000 };
    cluster = await createCluster({ config });
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await setup?.close();
  });

  const restarts = async () => (await cluster.processes()).reduce((n, p) => n + p.restarts, 0);

  it('does not move the Telegram offset while the replica cannot take the messages', async () => {
    const traffic = createTraffic(telegram, { chats, prefix: 'sentinel-frozen-replica' });
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    const offset = telegram.confirmedOffset();
    const [, replica] = setup.servers;
    const pid = replica.pid();
    if (pid === undefined) throw new Error('the replica is not running');
    process.kill(pid, 'SIGSTOP');
    try {
      traffic.round();
      // Several 1 s WAITs run out meanwhile; any confirmation would be a message only the primary has.
      await sleep(4_000);
      expect(telegram.confirmedOffset()).toBe(offset);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await traffic.waitAllAnswered(60_000);
    expect(telegram.confirmedOffset()).toBeGreaterThan(offset);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
  }, 120_000);

  it('follows the new primary after a kill -9 of the old one mid-flow: nothing lost, duplicated or reordered', async () => {
    llm.setLatency(700);
    const traffic = createTraffic(telegram, { chats, prefix: 'sentinel-failover' });
    traffic.round();
    traffic.round();
    await telegram.waitFor(() => llm.inFlight() > 0, 20_000);
    const [primary, replica] = setup.servers;
    expect(await setup.masterPort()).toBe(primary.port);
    await primary.kill();
    const killedAt = Date.now();
    traffic.round();
    expect(await setup.waitForFailover(primary.port)).toBe(replica.port);
    const promotedAt = Date.now();
    // The old primary comes back and the sentinels make it the new primary's replica; until
    // then WAIT cannot succeed, so channels hold their messages unconfirmed.
    await primary.restart();
    await setup.waitForReplicas(1);
    const rejoinedAt = Date.now();
    traffic.round();
    await traffic.waitAllAnswered(90_000);
    console.log(`sentinel failover: new primary ${promotedAt - killedAt} ms after the kill, old primary back as its replica after ${rejoinedAt - killedAt} ms, all ${traffic.total()} answered after ${Date.now() - killedAt} ms`);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(await restarts()).toBe(0);
    const status = await cluster.nanobot('status');
    expect(status.stdout).toContain(`Sentinel master "${setup.name}" via 3 sentinel(s)`);
  }, 180_000);
});
