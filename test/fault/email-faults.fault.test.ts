import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanReport, createCluster, createEmailTraffic, createMailDeliverer, createTraffic, fakeConfig, startDovecot, startFakeLlm, startFakeTelegram,
  startRedis, startSmtpSink, withFakeEmail, type Cluster, type Dovecot, type FakeLlm, type FakeTelegram, type MailDeliverer, type RedisServer,
  type SmtpSink,
} from '@nanobot/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** "On time": well under what a user notices, far below any restart backoff of the broken channel. */
const onTimeMs = 5_000;

describe('email faults through the cluster', () => {
  let redis: RedisServer;
  let dovecot: Dovecot;
  let smtp: SmtpSink;
  let mail: MailDeliverer;
  let telegram: FakeTelegram;
  let llm: FakeLlm;
  let cluster: Cluster;
  let onceFile: string;

  beforeAll(async () => {
    [redis, dovecot, smtp, telegram, llm] = await Promise.all([startRedis(), startDovecot(), startSmtpSink(), startFakeTelegram(), startFakeLlm()]);
    llm.setLatency({ minMs: 0, maxMs: 30 });
    mail = createMailDeliverer(dovecot);
    cluster = await createCluster({
      redisUrl: redis.url,
      config: withFakeEmail(fakeConfig({ apiRoot: telegram.apiRoot, token: telegram.token, llmBaseUrl: llm.baseUrl }), { dovecot, smtp }, ['*']),
    });
    // The email worker kills itself with SIGKILL right after the SMTP server's 250 for its first
    // reply, before the sent-marker is written; once across restarts (the file).
    onceFile = join(cluster.home, 'fault-point-fired');
    cluster.env.NANOBOT_FAULT_POINT = 'after-send';
    cluster.env.NANOBOT_FAULT_ONCE_FILE = onceFile;
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

  it('sends a reply killed between the 250 and its sent-marker again under the same Message-ID, and the next reply once', async () => {
    const traffic = createEmailTraffic(mail, smtp, { senders: ['kill@example.org'], prefix: 'after-send' });
    traffic.round();
    await smtp.waitFor(() => existsSync(onceFile), 30_000);
    await cluster.waitOnline(['nanobot-email']);
    traffic.round();
    await smtp.waitFor(() => smtp.mails().filter((m) => m.to.includes('kill@example.org')).length >= 3, 30_000);
    await sleep(2_000);
    const sent = smtp.mails().filter((m) => m.to.includes('kill@example.org'));
    // The SMTP transaction of the first reply is repeated (SMTP cannot be asked whether it went),
    // with the same Message-ID, by which a mailbox shows it once; the second reply goes once.
    expect(sent.map((m) => m.subject)).toEqual(['Re: after-send-kill-1', 'Re: after-send-kill-1', 'Re: after-send-kill-2']);
    expect(new Set(sent.map((m) => m.messageId)).size).toBe(2);
    expect(sent[0]?.messageId).toBe(sent[1]?.messageId);
    expect(await cluster.logs('nanobot-email')).toContain('reply may have gone before a crash');
  }, 90_000);

  it('puts a reply refused with 451 back and sends it once the server takes mail again', async () => {
    const traffic = createEmailTraffic(mail, smtp, { senders: ['busy@example.org'], prefix: 'busy' });
    smtp.failNext(2, 451);
    traffic.round();
    await traffic.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(traffic.report()).toEqual(cleanReport(1));
    expect(await cluster.logs('nanobot-email')).toContain('smtp unavailable, reply put back');
  }, 90_000);

  /**
   * Kills `name` with SIGKILL every `everyMs` it is online, until stop() (a crash loop). pm2 shows
   * it online only once it has signalled ready (IMAP logged in), so on a loaded machine a kill may
   * come seconds after the last one: kills() says how many landed so far.
   */
  function crashLoop(name: string, everyMs: number): { kills: () => number; stop: () => Promise<number> } {
    let kills = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const pid = await cluster.pidOf(name).catch(() => 0); // between restarts there is no pid
        if (pid > 0) {
          process.kill(pid, 'SIGKILL');
          kills += 1;
        }
        await sleep(everyMs);
      }
    })();
    return {
      kills: () => kills,
      stop: async () => {
        running = false;
        await loop;
        return kills;
      },
    };
  }

  it('answers Telegram on time while the email worker crash-loops, and email catches up afterwards', async () => {
    const emailWhileBroken = createEmailTraffic(mail, smtp, { senders: ['loop@example.org'], prefix: 'queued' });
    emailWhileBroken.round();
    const traffic = createTraffic(telegram, { chats: [8301, 8302, 8303], prefix: 'tg-with-email-down' });
    const crashing = crashLoop('nanobot-email', 500);
    await traffic.stream(15, 300);
    // Telegram traffic goes on until the email worker has died at least twice in it, however slowly
    // pm2 brings it back on this machine.
    for (const deadline = Date.now() + 60_000; crashing.kills() < 2 && Date.now() < deadline; ) await traffic.stream(1, 300);
    await traffic.waitAllAnswered(30_000);
    const kills = await crashing.stop();
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(traffic.report()).toEqual(cleanReport(traffic.total()));
    expect(Math.max(...traffic.latencies())).toBeLessThan(onTimeMs);

    await emailWhileBroken.waitAllAnswered(60_000);
    await sleep(2_000);
    expect(emailWhileBroken.report()).toEqual(cleanReport(1));
  }, 150_000);
});
