import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { createTransport } from 'nodemailer';
import { isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import {
  bullPrefix, createHeldLease, createLease, createPutBackHold, createQueues, createRedis, createSentMarkers, createStatusReporter, holdableWorkerOptions, queueNames,
  workerReliability,
} from '@nanobot/bus';
import { backoffDelayMs, createSupervisor, type ChannelContext, type Supervisor } from '@nanobot/supervisor';
import { closeWithin } from '@nanobot/runtime';
import { createEmailChannel, type ImapSettings } from './email-channel.js';
import { createHandledUids } from './handled-uids.js';
import type { AttachmentRules } from './save-attachments.js';
import { createSender, type SendFaultPoint } from './send-outbound.js';
import { createThreadStore } from './thread-store.js';
import type { InboundPolicy } from './to-inbound.js';

export type SmtpSettings = { host: string; port: number; secure: boolean; requireTls: boolean; user: string; pass: string };

export type EmailWorkerOptions = {
  redisUrl: string;
  imap: ImapSettings;
  smtp: SmtpSettings;
  fromAddress: string;
  subjectPrefix: string;
  autoReply: boolean;
  markSeen: boolean;
  pollIntervalMs: number;
  policy: InboundPolicy;
  /** Received attachments (`$NANOBOT_HOME/media/email`); without it they are noted only. */
  media?: { dir: string; rules: AttachmentRules };
  /** Files sent with a reply: nanobot's maxAttachmentsPerEmail and maxAttachmentSize. */
  outboundLimits: { maxCount: number; maxBytes: number };
  log: Logger;
  putBackDelayMs?: (count: number) => number;
  faultPoint?: (point: SendFaultPoint) => void;
  /** Stable across restarts of the same pm2 slot, unique across slots and hosts (the lease holder). */
  holder: string;
  instance: string;
  pid: number;
};

export type EmailWorker = {
  supervisor: Supervisor;
  start(onFatal: (err: unknown) => void): Promise<void>;
  stop(reason: string): Promise<void>;
};

/** A refused login needs a config fix (30 s); a dropped connection is retried within seconds. */
export function restartDelayMs(failures: number, err: unknown): number {
  if (isAppError(err, 'CHANNEL_FATAL')) return 30_000;
  if (isAppError(err, 'LEASE_LOST')) return 1_000;
  if (isAppError(err, 'CHANNEL_UNAVAILABLE') || isAppError(err, 'BUS_UNAVAILABLE')) return Math.min(250 * 2 ** Math.max(0, failures - 1), 4_000);
  return backoffDelayMs(failures);
}

/** The mailbox an account reads: the lease, and our record of taken mails, are per mailbox. */
export const mailboxKey = (imap: ImapSettings) =>
  createHash('sha256').update(`${imap.user.toLowerCase()}@${imap.host.toLowerCase()}:${String(imap.port)}/${imap.mailbox}`).digest('hex').slice(0, 16);

/** The email worker without the process: main.ts adds config, signals and exit codes. */
export function createEmailWorker(options: EmailWorkerOptions): EmailWorker {
  const { log } = options;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'email-producer' });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'email-worker' });
  const queues = createQueues(producer, log);
  const threads = createThreadStore(producer);
  const putBacks = createPutBackHold({ queue: queues.outbound('email'), rateLimit: async (ms) => outbound.rateLimit(ms), log });
  const channel = createEmailChannel({
    imap: options.imap, queues, policy: options.policy, handled: createHandledUids(producer, mailboxKey(options.imap)), threads,
    markSeen: options.markSeen, pollIntervalMs: options.pollIntervalMs, log, onUp: () => putBacks.channelBack(),
    ...(options.media === undefined ? {} : { media: options.media }),
  });
  // One IMAP reader and one sender per mailbox: more instances are hot standbys.
  const lease = createHeldLease({
    lease: createLease({ redis: producer, name: `email:${mailboxKey(options.imap)}`, holder: options.holder, ttlMs: 5_000 }),
    log, what: 'email mailbox', onLost: () => stopSending(),
  });
  let outboundStarted = false;
  let sending = false;
  function startSending(): void {
    if (sending) return;
    sending = true;
    // A previous holder may have died with a reply in hand: it goes first.
    const go = () => {
      if (!sending) return;
      if (!outboundStarted) {
        outboundStarted = true;
        outbound.run().catch((err: unknown) => fatal(err));
      } else {
        Promise.resolve(outbound.resume()).catch((err: unknown) => log.warn({ err }, 'could not resume the outbound worker'));
      }
    };
    putBacks.startAfterOrphans(go).catch((err: unknown) => log.error({ err }, 'waiting for orphaned replies failed; sending anyway'));
  }
  function stopSending(): void {
    sending = false;
    if (outboundStarted) outbound.pause(true).catch((err: unknown) => log.warn({ err }, 'could not pause the outbound worker'));
  }
  let fatal: (err: unknown) => void = () => undefined;
  let announced = false;
  async function becomeActive(ctx: ChannelContext): Promise<boolean> {
    while (!ctx.signal.aborted) {
      if (await lease.acquire()) {
        announced = false;
        return true;
      }
      if (!announced) log.info({ holder: await lease.holderNow() }, 'another process reads the mailbox; waiting as standby');
      announced = true;
      ctx.reportState({ role: 'standby' });
      ctx.reportAlive(); // waiting for the lease is this worker's normal activity
      await sleep(1_000, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
    return false;
  }
  async function run(ctx: ChannelContext): Promise<void> {
    if (!(await becomeActive(ctx))) return;
    ctx.reportState({ role: 'active' });
    startSending();
    const lost = lease.lostSignal();
    await channel.run({ ...ctx, signal: AbortSignal.any([ctx.signal, lost]) });
    if (lost.aborted && !ctx.signal.aborted) throw lost.reason;
  }
  const supervisor = createSupervisor({
    name: 'email', run, log, liveness: { windowMs: options.pollIntervalMs * 2 + 30_000 }, delayMs: restartDelayMs, stopDeadlineMs: 10_000,
    onState: () => status.publishSoon(),
  });
  const { smtp } = options;
  const transport = createTransport({
    host: smtp.host, port: smtp.port, secure: smtp.secure, requireTLS: smtp.requireTls, ignoreTLS: !smtp.secure && !smtp.requireTls,
    ...(smtp.user === '' ? {} : { auth: { user: smtp.user, pass: smtp.pass } }),
    connectionTimeout: 15_000, greetingTimeout: 10_000, socketTimeout: 60_000,
  });
  const sender = createSender({
    transport, fromAddress: options.fromAddress, subjectPrefix: options.subjectPrefix, autoReply: options.autoReply, limits: options.outboundLimits,
    threads, markers: createSentMarkers(workerConnection), log, hold: putBacks.hold, fence: () => lease.fence(), onSent: () => putBacks.channelBack(),
    ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
    ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
  });
  const outbound = new Worker(queueNames.outbound('email'), sender, {
    connection: workerConnection, prefix: bullPrefix,
    // One at a time keeps replies in order per conversation; a put-back reply holds its place.
    concurrency: 1, autorun: false, ...holdableWorkerOptions, ...workerReliability,
  });
  outbound.on('error', (err) => log.warn({ err }, 'outbound worker error'));
  outbound.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));
  const status = createStatusReporter({
    redis: producer, app: 'nanobot-email', instance: options.instance, pid: options.pid, host: hostname(),
    channels: () => ({ email: { ...supervisor.state() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  return {
    supervisor,
    async start(onFatal) {
      fatal = onFatal;
      await queues.waitUntilReady();
      supervisor.start().then(() => log.info('email channel supervisor ended'), onFatal);
      await status.start();
    },
    async stop(reason) {
      let failure: unknown;
      await supervisor.stop(reason).catch((err: unknown) => (failure = err));
      await closeWithin({
        redisReady: producer.status === 'ready' && workerConnection.status === 'ready',
        close: async () => {
          // The reply in hand is finished as the holder; only then may a standby take over.
          await outbound.close();
          await lease.release();
          await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
          await queues.close();
          transport.close();
          await Promise.all([producer.quit(), workerConnection.quit()]);
        },
      }).catch((err: unknown) => (failure ??= err));
      if (failure !== undefined) throw failure;
    },
  };
}
