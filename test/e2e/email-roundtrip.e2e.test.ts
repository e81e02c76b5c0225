import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createEmailTraffic, createMailDeliverer, fakeConfig, startDovecot, startFakeLlm, startFakeTelegram, startRedis,
  startSmtpSink, withFakeEmail, type Cluster, type Dovecot, type FakeLlm, type FakeTelegram, type MailDeliverer, type RedisServer, type SmtpSink,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const senders = Array.from({ length: 10 }, (_, i) => `user${String(i + 1)}@example.org`);

/**
 * Email through the real pm2 cluster: a real Dovecot (IMAP, IDLE) holds the bot's INBOX, mails
 * are delivered into it by IMAP APPEND, and the worker's replies land in an SMTP sink. Ten
 * senders are the ten conversations.
 */
describe('email channel through the cluster', () => {
  let redis: RedisServer;
  let dovecot: Dovecot;
  let smtp: SmtpSink;
  let mail: MailDeliverer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;

  const settle = async () => {
    await sleep(2_000); // a late second copy would show up within this pause
  };

  beforeAll(async () => {
    [redis, dovecot, smtp, telegram, llm] = await Promise.all([startRedis(), startDovecot(), startSmtpSink(), startFakeTelegram(), startFakeLlm()]);
    llm.setLatency({ minMs: 0, maxMs: 30 });
    mail = createMailDeliverer(dovecot);
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeEmail(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), { dovecot, smtp }, senders),
    });
    const started = await cluster.nanobot('start');
    if (started.code !== 0) throw new Error(`nanobot start failed: ${started.stderr}`);
    await cluster.waitOnline(['nanobot-email', 'nanobot-telegram', 'nanobot-agent']);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await mail?.close();
    await Promise.all([smtp?.close(), dovecot?.close(), telegram?.close(), llm?.close()]);
    await redis?.close();
  });

  it('answers 50 mails from 10 senders exactly once and in order, threaded, and ignores a stranger', async () => {
    const traffic = createEmailTraffic(mail, smtp, { senders, prefix: 'em' });
    const stranger = await mail.deliver({ from: 'stranger@example.net', subject: 'let me in', text: 'hello?' });
    await traffic.stream(5, 200);
    await traffic.waitAllAnswered(90_000);
    await settle();
    expect(traffic.report()).toEqual(cleanReport(50));
    expect(traffic.resent()).toBe(0);
    expect(smtp.mails().some((m) => m.to.includes('stranger@example.net'))).toBe(false);
    expect((await mail.flags(stranger)).has('\\Seen')).toBe(true);
    // Every reply answers its mail: In-Reply-To and References name it, the subject has one "Re: ".
    expect(smtp.mails().every((m) => m.inReplyTo !== '' && m.references.includes(m.inReplyTo) && /^Re: em-/.test(m.subject))).toBe(true);
    // The echoed mail comes back as plain text plus HTML.
    expect(smtp.mails().every((m) => m.text.includes(m.subject.slice(4)) && m.html.includes(m.subject.slice(4)))).toBe(true);
  }, 150_000);

  it('loses and doubles nothing when the email worker is killed with -9 mid-flow', async () => {
    const traffic = createEmailTraffic(mail, smtp, { senders, prefix: 'kill' });
    const restartsBefore = (await cluster.processes()).find((p) => p.name === 'nanobot-email')?.restarts ?? 0;
    await traffic.stream(5, 300, async (round) => {
      if (round === 2) process.kill(await cluster.pidOf('nanobot-email'), 'SIGKILL');
    });
    await traffic.waitAllAnswered(90_000);
    await settle();
    // As the mailbox shows it (one mail per Message-ID): a reply caught between the SMTP server's
    // 250 and its sent-marker is sent again under its Message-ID, and counts once.
    expect(traffic.report()).toEqual(cleanReport(50));
    expect(traffic.resent()).toBeLessThanOrEqual(1);
    expect((await cluster.processes()).find((p) => p.name === 'nanobot-email')?.restarts).toBeGreaterThan(restartsBefore);
  }, 150_000);

  it('loses and doubles nothing while the IMAP server is stopped for 60 s and restarted', async () => {
    const traffic = createEmailTraffic(mail, smtp, { senders, prefix: 'imap' });
    const connects = async () => (await cluster.logs('nanobot-email')).split('connected to the imap server').length - 1;
    const connectsBefore = await connects();
    traffic.round();
    await traffic.waitAllAnswered(30_000);
    await traffic.stream(2, 200);
    // Stopped with mail just delivered and still being read; what comes meanwhile waits at the "MTA" (the deliverer).
    await dovecot.stop();
    await traffic.stream(2, 1_000);
    await sleep(60_000 - 2_000);
    await dovecot.start();
    await traffic.waitAllAnswered(90_000);
    await settle();
    expect(traffic.report()).toEqual(cleanReport(50));
    expect(traffic.resent()).toBe(0);
    expect(await connects()).toBeGreaterThan(connectsBefore); // the connection really was cut, and made again
  }, 240_000);

  it('shows in nanobot status, channels status and doctor', async () => {
    const status = await cluster.nanobot('status');
    expect(status.stdout).toMatch(/email/);
    expect(status.stdout).toContain('outbound-email');
    expect(status.stdout).toMatch(/Health:\s+ok/);
    const channels = await cluster.nanobot('channels', 'status');
    expect(channels.stdout).toMatch(/email\s+yes\s+imap 127\.0\.0\.1:\d+ \(INBOX\)/);
    const doctor = await cluster.nanobot('doctor');
    expect(doctor.stdout).toMatch(/✓ email\s+IMAP login ok \(INBOX: \d+ mails\); SMTP 127\.0\.0\.1:\d+ accepts our login/);
  }, 60_000);
});
