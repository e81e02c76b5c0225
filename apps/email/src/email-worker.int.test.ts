import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bullPrefix, createQueues, createSentMarkers, queueNames } from '@nanobot/bus';
import { createLogger } from '@nanobot/log';
import {
  createMailDeliverer, startDovecot, startRedis, startSmtpSink, type Dovecot, type MailDeliverer, type RedisServer, type SmtpSink,
} from '@nanobot/testkit';
import { createEmailWorker, type EmailWorker, type EmailWorkerOptions } from './email-worker.js';
import { replyMessageId } from './reply-headers.js';

const log = createLogger({ name: 'email-int', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const states = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed'] as const;

async function until(predicate: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the email worker against a real Dovecot and an SMTP sink', () => {
  let redis: RedisServer;
  let client: Redis;
  let inbound: Queue;
  let dovecot: Dovecot;
  let smtp: SmtpSink;
  let mail: MailDeliverer;
  let worker: EmailWorker | undefined;
  let mediaDir: string;

  beforeAll(async () => {
    [redis, dovecot, smtp] = await Promise.all([startRedis(), startDovecot(), startSmtpSink()]);
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    inbound = new Queue(queueNames.inbound, { connection: client, prefix: bullPrefix });
    mail = createMailDeliverer(dovecot);
  }, 30_000);
  afterAll(async () => {
    await mail.close();
    await inbound.close();
    client.disconnect();
    await Promise.all([redis.close(), dovecot.close(), smtp.close()]);
  });

  const options = (overrides: Partial<EmailWorkerOptions> = {}): EmailWorkerOptions => ({
    redisUrl: redis.url,
    imap: { host: '127.0.0.1', port: dovecot.port, secure: false, user: dovecot.user, pass: dovecot.password, mailbox: 'INBOX' },
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: smtp.user, pass: smtp.password },
    fromAddress: 'bot@example.org', subjectPrefix: 'Re: ', autoReply: true, markSeen: true, pollIntervalMs: 30_000,
    policy: { allowFrom: ['alice@example.org', 'bob@example.org'], selfAddresses: ['bot@example.org'], verifyDkim: true, verifySpf: true, maxBodyChars: 12_000 },
    media: { dir: mediaDir, rules: { allowedTypes: ['text/*'], maxBytes: 1024 * 1024, maxCount: 5 } },
    outboundLimits: { maxCount: 5, maxBytes: 2_000_000 },
    putBackDelayMs: () => 200,
    log, holder: 'test:0', instance: '0', pid: process.pid,
    ...overrides,
  });
  const start = async (overrides: Partial<EmailWorkerOptions> = {}) => {
    worker = createEmailWorker(options(overrides));
    await worker.start((err) => {
      throw err;
    });
  };
  const jobs = async () => (await inbound.getJobs([...states])).sort((a, b) => (a.data as { seq: number }).seq - (b.data as { seq: number }).seq);

  beforeEach(async () => {
    await client.flushall();
    await mail.clear();
    mediaDir = join(await mkdtemp(join(tmpdir(), 'email-media-')), 'email');
  });
  afterEach(async () => {
    await worker?.stop('test over');
    worker = undefined;
  });

  it('queues an allowed sender\'s mail once, with its attachment, flags it \\Seen after that, and ignores a stranger', async () => {
    await start();
    const uid = await mail.deliver({
      from: 'Alice <alice@example.org>', subject: 'Lunch?', text: 'Shall we meet at noon?', messageId: '<m1@example.org>',
      attachments: [{ filename: 'menu.txt', content: 'soup', contentType: 'text/plain' }],
    });
    const stranger = await mail.deliver({ from: 'eve@example.org', subject: 'hi', text: 'let me in' });
    await until(async () => (await mail.flags(stranger)).has('\\Seen'));
    const [job, ...rest] = await jobs();
    expect(rest).toEqual([]);
    const data = job?.data as { chatId: string; text: string; media: string[]; sourceMessageId: string; sessionKey: string };
    expect(data).toMatchObject({ chatId: 'alice@example.org', sessionKey: 'email:alice@example.org', sourceMessageId: '<m1@example.org>' });
    expect(data.text).toContain('[EMAIL-CONTEXT] Email received.\nFrom: alice@example.org\nSubject: Lunch?');
    expect(data.text).toContain('Shall we meet at noon?');
    expect(await readFile(data.media[0] ?? '', 'utf8')).toBe('soup');
    expect((await mail.flags(uid)).has('\\Seen')).toBe(true);
  }, 30_000);

  it('reads an HTML-only mail as text and drops a mail whose SPF did not pass', async () => {
    await start();
    await mail.deliver({ from: 'bob@example.org', subject: 'html', html: '<p>Hello <b>there</b> &amp; welcome</p><p>Bye</p>' });
    const spoofed = await mail.deliver({ from: 'alice@example.org', subject: 'spoofed', text: 'x', authenticationResults: 'mx.test; spf=fail; dkim=pass' });
    await until(async () => (await mail.flags(spoofed)).has('\\Seen'));
    const all = await jobs();
    expect(all).toHaveLength(1);
    expect((all[0]?.data as { text: string }).text).toMatch(/Hello there & welcome\n+Bye$/);
  }, 30_000);

  it('does not take a mail twice when markSeen is false, across a restart of the worker', async () => {
    await start({ markSeen: false });
    const uid = await mail.deliver({ from: 'alice@example.org', subject: 'once', text: 'only once' });
    await until(async () => (await jobs()).length === 1);
    await worker?.stop('restart');
    await inbound.obliterate({ force: true }); // were the job gone, only our own record would stop a second read
    await start({ markSeen: false });
    await mail.deliver({ from: 'bob@example.org', subject: 'next', text: 'after the restart' });
    await until(async () => (await jobs()).length === 1);
    expect(((await jobs())[0]?.data as { chatId: string }).chatId).toBe('bob@example.org');
    expect((await mail.flags(uid)).has('\\Seen')).toBe(false);
  }, 30_000);

  it('takes the mail that came while the IMAP server was down once it is back', async () => {
    await start();
    await mail.deliver({ from: 'alice@example.org', subject: 'before', text: 'one' });
    await until(async () => (await jobs()).length === 1);
    await dovecot.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    await dovecot.start();
    await mail.deliver({ from: 'alice@example.org', subject: 'after', text: 'two' });
    await until(async () => (await jobs()).length === 2, 20_000);
    expect((await jobs()).map((j) => (j.data as { text: string }).text.split('\n').at(-1))).toEqual(['one', 'two']);
  }, 40_000);

  it('sends a threaded reply as text plus HTML with its file, once, after a 451', async () => {
    await start();
    await mail.deliver({ from: 'alice@example.org', subject: 'Report', text: 'send it please', messageId: '<ask@example.org>' });
    await until(async () => (await jobs()).length === 1);
    const inboundId = (await jobs())[0]?.id ?? '';
    const file = join(await mkdtemp(join(tmpdir(), 'email-out-')), 'report.txt');
    await writeFile(file, 'the numbers');
    const queues = createQueues(client, log);
    const before = smtp.mails().length;
    try {
      smtp.failNext(1, 451);
      await queues.addOutbound({
        kind: 'reply', id: `${inboundId}-reply`, inReplyTo: inboundId, channel: 'email', chatId: 'alice@example.org',
        text: 'Here it is, **in bold**.', format: 'markdown', media: [file],
      });
      await smtp.waitFor(() => smtp.mails().length === before + 1, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      const sent = smtp.mails().slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        to: ['alice@example.org'], from: 'bot@example.org', subject: 'Re: Report', inReplyTo: '<ask@example.org>', references: ['<ask@example.org>'],
        messageId: replyMessageId(`${inboundId}-reply`, 0, 'bot@example.org'),
      });
      expect(sent[0]?.text.trim()).toBe('Here it is, **in bold**.');
      expect(sent[0]?.html).toContain('<strong>in bold</strong>');
      expect(sent[0]?.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['report.txt', 'the numbers']]);
    } finally {
      await queues.close();
    }
  }, 30_000);

  it('does not send again a reply already marked sent', async () => {
    await start();
    const queues = createQueues(client, log);
    const before = smtp.mails().length;
    try {
      await createSentMarkers(client).mark('email-x-1-1-reply', 0, 'sent');
      await queues.addOutbound({ kind: 'reply', id: 'email-x-1-1-reply', inReplyTo: 'email-x-1-1', channel: 'email', chatId: 'bob@example.org', text: 'dup', format: 'plain' });
      await queues.addOutbound({ kind: 'reply', id: 'email-x-1-2-reply', inReplyTo: 'email-x-1-2', channel: 'email', chatId: 'bob@example.org', text: 'new', format: 'plain' });
      await smtp.waitFor(() => smtp.mails().length === before + 1, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(smtp.mails().slice(before).map((m) => [m.text.trim(), m.subject])).toEqual([['new', 'nanobot reply']]);
    } finally {
      await queues.close();
    }
  }, 30_000);
});
