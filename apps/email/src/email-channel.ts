import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import { AppError, toAppError } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import type { HandledUids } from './handled-uids.js';
import { saveAttachments, type AttachmentRules } from './save-attachments.js';
import { emailSourceId } from './source-id.js';
import type { ThreadStore } from './thread-store.js';
import { toInbound, type InboundPolicy, type ReceivedMail } from './to-inbound.js';

export type ImapSettings = { host: string; port: number; secure: boolean; user: string; pass: string; mailbox: string };

export type EmailChannelDeps = {
  imap: ImapSettings;
  queues: Queues;
  policy: InboundPolicy;
  handled: HandledUids;
  threads: ThreadStore;
  /** nanobot's markSeen: flag a taken mail \Seen (only once its job is in Redis). */
  markSeen: boolean;
  /** nanobot's pollIntervalSeconds: the mailbox is searched at least this often, IDLE or not. */
  pollIntervalMs: number;
  log: Logger;
  /** Where accepted mails' attachments go; without it they are noted only. */
  media?: { dir: string; rules: AttachmentRules };
  onUp?: () => void;
};

const header = (parsed: ParsedMail, name: string): string[] => {
  const value = parsed.headers.get(name);
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
};

function toReceived(parsed: ParsedMail): ReceivedMail {
  return {
    ...(parsed.from?.value[0]?.address === undefined ? {} : { from: parsed.from.value[0].address }),
    ...(parsed.subject === undefined ? {} : { subject: parsed.subject }),
    ...(parsed.date === undefined ? {} : { date: parsed.date.toUTCString() }),
    ...(parsed.messageId === undefined ? {} : { messageId: parsed.messageId }),
    authResults: header(parsed, 'authentication-results'),
    ...(parsed.text === undefined ? {} : { text: parsed.text }),
    ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
  };
}

/** A refused login needs a config fix; anything else is the server or the network, and passes. */
function toImapError(err: unknown): AppError {
  if ((err as { authenticationFailed?: boolean } | null)?.authenticationFailed === true) {
    return new AppError('CHANNEL_FATAL', 'the imap server refused the login', { cause: err });
  }
  return toAppError(err, 'CHANNEL_UNAVAILABLE');
}

/**
 * The email channel's `start()`, run by the supervisor: one IMAP connection until it breaks or
 * a stop is requested. New mail is noticed through IDLE (imapflow's EXISTS) and, as a fallback,
 * a search every pollInterval. Mails are taken in UID order; each one's job is added to Redis
 * before the mail is recorded as handled and flagged \Seen, so a crash in between reads it again
 * and BullMQ drops the second add by its job id (UIDVALIDITY + UID).
 */
export function createEmailChannel(deps: EmailChannelDeps) {
  const { log } = deps;
  let lastSeq = 0;
  const nextSeq = () => (lastSeq = Math.max(lastSeq + 1, Date.now() * 1000));

  async function take(client: ImapFlow, uidValidity: bigint, uid: number): Promise<void> {
    const fetched = await client.fetchOne(String(uid), { source: true }, { uid: true });
    if (fetched === false || fetched.source === undefined) return;
    const parsed = await simpleParser(fetched.source, { skipImageLinks: true });
    const sourceId = emailSourceId({ account: deps.imap.user, mailbox: deps.imap.mailbox, uidValidity, uid });
    const source = { sourceId, seq: nextSeq(), receivedAt: Date.now() };
    const mail = toReceived(parsed);
    let verdict = toInbound(mail, deps.policy, source);
    // Attachments only of a mail that is let in: a stranger's are never written to disk.
    if (verdict.kind === 'accept' && deps.media !== undefined && parsed.attachments.length > 0) {
      verdict = toInbound(mail, deps.policy, source, await saveAttachments(parsed.attachments, sourceId, deps.media.dir, deps.media.rules, log));
    }
    if (verdict.kind === 'accept') {
      // Before the job: its reply may be sent before the next line here would have run.
      await deps.threads.remember(sourceId, verdict.message.chatId, {
        ...(mail.messageId === undefined ? {} : { messageId: mail.messageId }),
        ...(parsed.references === undefined ? {} : { references: parsed.references }),
        subject: mail.subject ?? '',
      });
      const result = await deps.queues.addInbound(verdict.message);
      log.debug({ messageId: sourceId, result }, 'email queued');
    } else {
      log.debug({ uid, reason: verdict.reason }, 'email ignored');
    }
    await deps.handled.handled(uidValidity, uid);
    if (deps.markSeen) await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
  }

  async function check(client: ImapFlow, ctx: ChannelContext): Promise<void> {
    const lock = await client.getMailboxLock(deps.imap.mailbox);
    try {
      if (client.mailbox === false) throw new AppError('CHANNEL_UNAVAILABLE', 'no mailbox open');
      const { uidValidity } = client.mailbox;
      const after = await deps.handled.highest(uidValidity);
      const found = (await client.search({ seen: false, uid: `${String(after + 1)}:*` }, { uid: true })) || [];
      // `n:*` always names the newest mail, even one below n.
      const uids = found.filter((uid) => uid > after).sort((a, b) => a - b);
      for (const uid of uids) {
        if (ctx.signal.aborted) return;
        await take(client, uidValidity, uid);
        ctx.reportAlive();
      }
    } finally {
      lock.release();
    }
  }

  return {
    async run(ctx: ChannelContext): Promise<void> {
      const client = new ImapFlow({
        host: deps.imap.host, port: deps.imap.port, secure: deps.imap.secure, auth: { user: deps.imap.user, pass: deps.imap.pass },
        logger: false, autoIdleDelay: 1_000, connectionTimeout: 15_000, greetingTimeout: 10_000, socketTimeout: 5 * 60_000,
      });
      let wake: () => void = () => undefined;
      let closed: AppError | undefined;
      // New mail while a check runs must not wait for the next poll: it is noted, and checked right after.
      let arrived = false;
      client.on('exists', () => {
        arrived = true;
        wake();
      });
      client.on('close', () => {
        closed ??= new AppError('CHANNEL_UNAVAILABLE', 'imap connection closed');
        wake();
      });
      client.on('error', (err: unknown) => log.warn({ err }, 'imap connection error'));
      // A stop must not wait for a command on a connection that may never answer: closing fails it.
      const onAbort = () => {
        wake();
        client.close();
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await client.connect().catch((err: unknown) => {
          throw toImapError(err);
        });
        log.info({ mailbox: deps.imap.mailbox }, 'connected to the imap server');
        ctx.reportAlive();
        deps.onUp?.();
        while (!ctx.signal.aborted) {
          arrived = false;
          try {
            await check(client, ctx);
          } catch (err) {
            if (ctx.signal.aborted) return;
            throw closed ?? toAppError(err, 'CHANNEL_UNAVAILABLE');
          }
          ctx.reportAlive();
          if (closed !== undefined) throw closed;
          if (arrived) continue;
          const woken = new Promise<void>((resolve) => (wake = resolve));
          const timer = new AbortController();
          await Promise.race([woken, sleep(deps.pollIntervalMs, undefined, { signal: timer.signal }).catch(() => undefined)]);
          timer.abort();
          if (closed !== undefined && !ctx.signal.aborted) throw closed;
        }
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        client.removeAllListeners('exists');
        // No LOGOUT: a half-dead server may never answer it, and nothing is left to say.
        client.close();
      }
    },
  };
}
