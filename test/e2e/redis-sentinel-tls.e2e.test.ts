import { Redis } from 'ioredis';
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

/**
 * The cluster on Redis Sentinel where the sentinels and the data nodes speak TLS (self-made CA,
 * client certificates required) and the config names only the sentinels' TLS ports:
 * `redis.sentinels` + `redis.name` + `redis.tls`, no `redis.url`. One `redis.tls` covers both the
 * sentinels and the primary they name.
 */
describe('the cluster on Redis Sentinel over TLS', () => {
  let setup: SentinelSetup;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  let admin: Redis;

  beforeAll(async () => {
    setup = await startSentinelSetup({ tls: true });
    telegram = await startFakeTelegram();
    llm = await startFakeLlm();
    admin = new Redis(setup.servers[0].url, { maxRetriesPerRequest: 1 });
    const files = setup.tls?.files;
    if (files === undefined) throw new Error('the sentinel setup has no TLS files');
    const config = fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl });
    config.redis = { sentinels: setup.sentinels, name: setup.name, tls: { ...files, servername: 'localhost' }, waitReplicas: 1, waitTimeoutMs: 1_000 };
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
    await setup?.close();
  });

  it('starts and answers every message once, in order, with every worker connection on the TLS port', async () => {
    expect(setup.sentinels.map((s) => s.port)).not.toContain(setup.servers[0].port);
    expect(await setup.masterPort()).toBe(setup.tls?.ports[0]);
    const traffic = createTraffic(telegram, { chats: [9411, 9412, 9413], prefix: 'sentinel-tls' });
    traffic.round();
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    // `laddr` is the server's own address of each connection: the workers came in on the TLS port.
    const clients = String(await admin.call('CLIENT', 'LIST')).split('\n');
    const ours = clients.filter((line) => / name=(telegram|agent)-/.test(line));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.every((line) => line.includes(` laddr=127.0.0.1:${setup.tls?.ports[0]} `))).toBe(true);
    const status = await cluster.nanobot('status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`Sentinel master "${setup.name}" via 3 sentinel(s), TLS`);
    // doctor asks the sentinels over TLS too, with the same files.
    const doctor = await cluster.nanobot('doctor');
    expect(doctor.stdout).toMatch(/✓ redis\s+reachable, noeviction/);
    expect(doctor.stdout).toMatch(/✓ sentinel\s+master "nanobot-main" at 127\.0\.0\.1:\d+, 3 of 3 sentinels know it, 1 replica\(s\), quorum ok/);
    expect(doctor.stdout).toMatch(/✓ replicas\s+1 online/);
  }, 60_000);
});
