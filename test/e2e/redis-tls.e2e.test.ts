import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport,
  createCluster,
  createTraffic,
  fakeConfig,
  startFakeLlm,
  startFakeTelegram,
  startTlsRedis,
  startTlsRedisCluster,
  type Cluster,
  type FakeLlm,
  type FakeTelegram,
  type TlsRedisClusterSetup,
  type TlsRedisServer,
} from '@nanobot/testkit';

/**
 * The whole cluster on a Redis that speaks only TLS to it, with a self-made CA, a client
 * certificate and an ACL user, all from config.json (redis.url, redis.tls, redis.username and
 * redis.password): it starts, answers, and every connection it opened is the ACL user's.
 */
describe('the cluster on Redis over TLS with an ACL user', () => {
  let tls: TlsRedisServer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  let admin: Redis;

  beforeAll(async () => {
    tls = await startTlsRedis();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    admin = new Redis(tls.server.url, { maxRetriesPerRequest: 1 });
    const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    config.redis = {
      url: `rediss://127.0.0.1:${tls.tlsPort}`,
      username: tls.user.name,
      password: tls.user.password,
      tls: { ...tls.files, servername: 'localhost' },
    };
    cluster = await createCluster({ config });
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  }, 120_000);

  afterAll(async () => {
    admin?.disconnect();
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await tls?.close();
  });

  it('answers every message once, in order, over TLS as the ACL user', async () => {
    const traffic = createTraffic(telegram, { chats: [9401, 9402, 9403], prefix: 'tls' });
    traffic.round();
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    const clients = String(await admin.call('CLIENT', 'LIST'));
    const ours = clients.split('\n').filter((line) => / name=(telegram|agent)-/.test(line));
    expect(ours.length).toBeGreaterThan(0);
    // Every worker connection came in as the ACL user (none as `default` over the plain port).
    expect(ours.every((line) => / user=nanobot /.test(line))).toBe(true);
    const status = await cluster.nanobot('status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toContain(tls.user.password);
    expect(status.stdout).toContain('Redis:     external (REDIS_URL or redis.url), TLS');
    // doctor opens its own connections the same way: over TLS, as the ACL user.
    const doctor = await cluster.nanobot('doctor');
    expect(doctor.stdout).toMatch(/✓ redis\s+reachable, noeviction/);
    expect(doctor.stdout).toMatch(/✓ persistence\s+AOF on/);
    expect(doctor.stdout).not.toContain(tls.user.password);
  }, 60_000);
});

/**
 * The same on a 3-primary Redis Cluster that speaks only TLS to clients and between its nodes:
 * `redis.tls`, `redis.username` and `redis.password` reach the connection to every node, including
 * the nodes ioredis discovers and is redirected to.
 */
describe('the cluster on a Redis Cluster over TLS with an ACL user', () => {
  let tls: TlsRedisClusterSetup;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  beforeAll(async () => {
    tls = await startTlsRedisCluster();
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    config.redis = {
      url: `rediss://127.0.0.1:${tls.nodes[0]?.port ?? 0}`,
      // Only one seed: the other two nodes are found through it and reached the same way.
      cluster: tls.nodes.slice(0, 1),
      username: tls.user.name,
      password: tls.user.password,
      tls: { ...tls.files, servername: 'localhost' },
    } as typeof config.redis;
    cluster = await createCluster({ config });
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed (${started.code}): ${started.stderr}`);
    await cluster.waitOnline(['nanobot-telegram', 'nanobot-agent']);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await telegram?.close();
    await llm?.close();
    await tls?.close();
  });

  it('answers every message once, in order, with every node reached over TLS as the ACL user', async () => {
    const traffic = createTraffic(telegram, { chats: [9411, 9412, 9413, 9414, 9415, 9416], prefix: 'tls-cluster' });
    traffic.round();
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    for (const server of tls.servers) {
      // Asked over each node's plain port, kept for the test: our workers came in as the ACL user only.
      const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        const ours = String(await admin.call('CLIENT', 'LIST')).split('\n').filter((line) => / name=(telegram|agent)-/.test(line));
        expect(ours.length).toBeGreaterThan(0);
        expect(ours.every((line) => / user=nanobot /.test(line))).toBe(true);
      } finally {
        admin.disconnect();
      }
    }
    const status = await cluster.nanobot('status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('Redis:     Redis Cluster via 1 configured node(s), keys tagged {nb}, TLS');
    expect(status.stdout).not.toContain(tls.user.password);
    const doctor = await cluster.nanobot('doctor');
    expect(doctor.stdout).toMatch(/✓ cluster\s+ok, 3 primaries, 16384 of 16384 slots assigned/);
    expect(doctor.stdout).not.toContain(tls.user.password);
  }, 60_000);
});
