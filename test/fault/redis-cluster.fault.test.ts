import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createCluster,
  createTraffic,
  fakeConfig,
  startFakeLlm,
  startFakeTelegram,
  startRedisCluster,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
  type RedisClusterSetup,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chats = [9501, 9502, 9503, 9504, 9505, 9506];

/**
 * The real cluster under pm2 on a Redis Cluster of three primaries with a replica each, with
 * `redis.waitReplicas: 1`. nanobot's keys all sit in the slot of `{nb}`, so the failover that
 * matters is that slot's primary: killed with -9 mid-flow, its replica takes over.
 */
describe('Redis Cluster failover', () => {
  let setup: RedisClusterSetup;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  let slot: number;

  beforeAll(async () => {
    setup = await startRedisCluster({ replicas: 1 });
    const probe = new Redis({ port: setup.nodes[0]?.port ?? 0, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    slot = Number(await probe.call('CLUSTER', 'KEYSLOT', '{nb}'));
    probe.disconnect();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    config.redis = { cluster: setup.nodes, waitReplicas: 1, waitTimeoutMs: 1_000 } as typeof config.redis;
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

  it('follows the promoted replica after a kill -9 of the primary holding nanobot\'s slot: nothing lost, duplicated or reordered', async () => {
    const warmup = createTraffic(telegram, { chats, prefix: 'cluster-warmup' });
    warmup.round();
    await warmup.waitAllAnswered(30_000);
    llm.setLatency(700);
    const traffic = createTraffic(telegram, { chats, prefix: 'cluster-failover' });
    traffic.round();
    traffic.round();
    await telegram.waitFor(() => llm.inFlight() > 0, 20_000);
    const oldPort = await setup.primaryOfSlot(slot);
    const primary = setup.servers.find((server) => server.port === oldPort);
    if (primary === undefined) throw new Error(`no server on port ${oldPort}`);
    await primary.kill();
    const killedAt = Date.now();
    traffic.round();
    const newPort = await setup.waitForFailover(slot, oldPort);
    const promotedAt = Date.now();
    expect(newPort).not.toBe(oldPort);
    // The old primary comes back as the new one's replica; until then WAIT cannot succeed.
    await primary.restart();
    await setup.waitForReplicas(slot, 1);
    const rejoinedAt = Date.now();
    traffic.round();
    await traffic.waitAllAnswered(90_000);
    console.log(`cluster failover: new primary ${promotedAt - killedAt} ms after the kill, old primary back as its replica after ${rejoinedAt - killedAt} ms, all ${traffic.total()} answered after ${Date.now() - killedAt} ms`);
    await sleep(2_000);
    expect(warmup.report()).toEqual(cleanReport(warmup.total()));
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(await restarts()).toBe(0);
  }, 180_000);
});
