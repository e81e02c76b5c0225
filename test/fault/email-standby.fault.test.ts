import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createEmailTraffic, createMailDeliverer, fakeConfig, startDovecot, startFakeLlm, startFakeTelegram, startRedis,
  startSmtpSink, withFakeEmail, type Cluster, type Dovecot, type FakeLlm, type FakeTelegram, type MailDeliverer, type RedisServer, type SmtpSink,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** NANOBOT_EMAIL_INSTANCES=2: one reads the mailbox and sends, the other waits and takes over. */
describe('email hot standby', () => {
  let redis: RedisServer;
  let dovecot: Dovecot;
  let smtp: SmtpSink;
  let mail: MailDeliverer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  beforeAll(async () => {
    [redis, dovecot, smtp, telegram, llm] = await Promise.all([startRedis(), startDovecot(), startSmtpSink(), startFakeTelegram(), startFakeLlm()]);
    mail = createMailDeliverer(dovecot);
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeEmail(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), { dovecot, smtp }, ['*']),
    });
    cluster.env.NANOBOT_EMAIL_INSTANCES = '2';
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed: ${started.stderr}`);
    await cluster.waitOnline(['nanobot-email', 'nanobot-agent']);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await mail?.close();
    await Promise.all([smtp?.close(), dovecot?.close(), telegram?.close(), llm?.close()]);
    await redis?.close();
  });

  async function leaseHolder(): Promise<string> {
    const client = new Redis(redis.url);
    try {
      const key = (await client.keys('nb:lease:email:*')).find((k) => !k.endsWith(':token'));
      return key === undefined ? '' : ((await client.get(key)) ?? '');
    } finally {
      client.disconnect();
    }
  }

  it('reads the mailbox from one instance; a killed holder is replaced without loss or doubles', async () => {
    const emailProcesses = async () => (await cluster.processes()).filter((p) => p.name === 'nanobot-email');
    expect(await emailProcesses()).toHaveLength(2);
    await sleep(3_000);
    expect(await cluster.logs('nanobot-email')).toContain('another process holds the lease; waiting as standby');
    const traffic = createEmailTraffic(mail, smtp, { senders: ['sb1@example.org', 'sb2@example.org'], prefix: 'standby' });
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    // The holder is the pm2 slot named in the lease (`<host>:<pm_id>`); kill exactly that process.
    const holder = await leaseHolder();
    const holderProcess = (await emailProcesses()).find((p) => holder.endsWith(`:${p.pmId}`));
    expect(holderProcess).toBeDefined();
    process.kill(holderProcess?.pid ?? 0, 'SIGKILL');
    await traffic.stream(5, 300);
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
  }, 120_000);
});
