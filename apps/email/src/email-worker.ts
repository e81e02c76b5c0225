import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { createTransport } from 'nodemailer';
import type { Logger } from '@nanobot/log';
import { channelRestartDelay, createChannelWorker, type ChannelWorker } from '@nanobot/channel';
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

export type EmailWorker = ChannelWorker;

/**
 * A refused login needs a config fix (30 s); a dropped connection or a restarted IMAP server is
 * retried within seconds (250 ms doubling to 4 s); a lost lease waits as a standby at once.
 */
export const restartDelayMs = channelRestartDelay({ fatalMs: 30_000, outageMaxMs: 4_000, honourRetryAfter: false });

/** The mailbox an account reads: the lease, and our record of taken mails, are per mailbox. */
export const mailboxKey = (imap: ImapSettings) =>
  createHash('sha256').update(`${imap.user.toLowerCase()}@${imap.host.toLowerCase()}:${String(imap.port)}/${imap.mailbox}`).digest('hex').slice(0, 16);

/** The email worker on the channel kit: the IMAP intake, the thread store and the SMTP sender are email's own. */
export function createEmailWorker(options: EmailWorkerOptions): EmailWorker {
  const { log, smtp } = options;
  // Not pooled: nodemailer opens a connection per reply and closes it, so there is nothing to close at stop.
  const transport = createTransport({
    host: smtp.host, port: smtp.port, secure: smtp.secure, requireTLS: smtp.requireTls, ignoreTLS: !smtp.secure && !smtp.requireTls,
    ...(smtp.user === '' ? {} : { auth: { user: smtp.user, pass: smtp.pass } }),
    connectionTimeout: 15_000, greetingTimeout: 10_000, socketTimeout: 60_000,
  });
  return createChannelWorker({
    name: 'email', redisUrl: options.redisUrl, log, instance: options.instance, pid: options.pid, host: hostname(),
    // One IMAP reader and one sender per mailbox: more instances are hot standbys.
    lease: { key: `email:${mailboxKey(options.imap)}`, holder: options.holder, what: 'email mailbox' },
    // IDLE is refreshed and the mailbox polled well inside this; a silent connection is restarted.
    livenessWindowMs: options.pollIntervalMs * 2 + 30_000,
    restartDelayMs,
    setup: (kit) => {
      const threads = createThreadStore(kit.producer);
      return {
        run: createEmailChannel({
          imap: options.imap, queues: kit.queues, policy: options.policy, handled: createHandledUids(kit.producer, mailboxKey(options.imap)), threads,
          markSeen: options.markSeen, pollIntervalMs: options.pollIntervalMs, log, onUp: () => kit.putBacks.channelBack(),
          ...(options.media === undefined ? {} : { media: options.media }),
        }).run,
        send: createSender({
          transport, fromAddress: options.fromAddress, subjectPrefix: options.subjectPrefix, autoReply: options.autoReply, limits: options.outboundLimits,
          threads, markers: kit.markers, log, hold: kit.putBacks.hold, fence: () => kit.fence(), onSent: () => kit.putBacks.channelBack(),
          ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
          ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
        }),
      };
    },
  });
}
