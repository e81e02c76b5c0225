import { UnrecoverableError, type Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import { AppError, describeError, isAppError, type OutboundMessage } from '@nanobot/core';
import { isRedisTrouble, type PutBackKind, type SentMarkers } from '@nanobot/bus';
import { createPutBacks, parseOutboundJob } from '@nanobot/channel';
import type { Logger } from '@nanobot/log';
import { toAttachments, type OutboundLimits } from './outbound-attachments.js';
import { replyHeaders, replyMessageId } from './reply-headers.js';
import type { ThreadStore } from './thread-store.js';
import { toHtml } from './to-html.js';

/** Where a fault test may kill the sender: after the `sending` mark, or after the server's 250 and before `sent`. */
export type SendFaultPoint = 'after-mark' | 'after-send';

export type SenderDeps = {
  transport: Pick<Transporter, 'sendMail'>;
  fromAddress: string;
  subjectPrefix: string;
  /** nanobot's autoReplyEnabled: false sends no replies to received mail (the agent's own messages still go). */
  autoReply: boolean;
  limits: OutboundLimits;
  threads: ThreadStore;
  markers: SentMarkers;
  log: Logger;
  hold: (ms: number, kind: PutBackKind) => Promise<void>;
  /** Throws LEASE_LOST unless this process still holds the mailbox lease (checked before each send). */
  fence?: () => Promise<void>;
  /** The server took a mail: lifts an outage hold. */
  onSent?: () => void;
  maxPutBacks?: number;
  putBackDelayMs?: (count: number) => number;
  faultPoint?: (point: SendFaultPoint) => void;
};

/** SMTP's answer code of a refusal (nodemailer's `responseCode`), if the server gave one. */
const smtpCode = (err: unknown): number | undefined => {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' ? code : undefined;
};

/**
 * The processor of `outbound-email`: one mail per reply, threaded under the mail it answers, as
 * plain text plus HTML with the reply's files attached. The reply is marked `sending` before the
 * SMTP transaction and `sent` after the server's 250. SMTP cannot be asked afterwards whether a
 * mail went, so a re-run that finds `sending` (the process died in between) sends it again with
 * the same deterministic Message-ID, by which mail systems and clients recognise the copy. A 4xx
 * (or no answer) puts the reply back at the head of the queue under a hold; a 5xx parks it.
 */
export function createSender(deps: SenderDeps) {
  const putBacks = createPutBacks({
    service: 'smtp', log: deps.log, hold: deps.hold,
    ...(deps.maxPutBacks === undefined ? {} : { maxPutBacks: deps.maxPutBacks }),
    ...(deps.putBackDelayMs === undefined ? {} : { putBackDelayMs: deps.putBackDelayMs }),
  });

  async function putBack(message: OutboundMessage, err: unknown): Promise<never> {
    await putBacks.putBack({ jobId: message.id }, { err, ...(err instanceof AppError ? { code: err.code } : {}) });
    throw err;
  }

  async function send(message: OutboundMessage & { kind: 'reply' }): Promise<void> {
    const record = await deps.markers.read(message.id, 0);
    if (record?.state === 'sent' || record?.state === 'uncertain') return;
    const thread = await deps.threads.lookup(message.inReplyTo, message.chatId);
    if (!deps.autoReply && thread?.isReply === true) {
      deps.log.info({ jobId: message.id }, 'autoReplyEnabled is false: reply to a received mail not sent');
      return;
    }
    if (record?.state === 'sending') deps.log.info({ jobId: message.id }, 'reply may have gone before a crash; sending it again under the same message id');
    const headers = replyHeaders(thread?.headers ?? { subject: 'nanobot reply' }, thread === undefined ? '' : deps.subjectPrefix);
    const { files, notes } = await toAttachments(message.media ?? [], deps.limits);
    const text = notes.length === 0 ? message.text : `${message.text.trimEnd()}\n\n${notes.join('\n')}`.trim();
    await deps.fence?.();
    await deps.markers.markSending(message.id, 0, { floor: null, text: '' });
    deps.faultPoint?.('after-mark');
    await deps.transport.sendMail({
      from: deps.fromAddress, to: message.chatId, subject: headers.subject, text, html: toHtml(text, message.format),
      messageId: replyMessageId(message.id, 0, deps.fromAddress),
      ...(headers.inReplyTo === undefined ? {} : { inReplyTo: headers.inReplyTo }),
      ...(headers.references === undefined ? {} : { references: headers.references }),
      attachments: files,
    });
    deps.faultPoint?.('after-send');
    await deps.markers.mark(message.id, 0, 'sent');
  }

  async function onError(message: OutboundMessage, err: unknown): Promise<never> {
    if (err instanceof UnrecoverableError) throw err;
    if (isAppError(err, 'LEASE_LOST')) return putBacks.leaseLost({ jobId: message.id }, 'email');
    // A marker write Redis refused is Redis trouble, not the SMTP server's answer.
    if (isRedisTrouble(err)) return putBack(message, err);
    const code = smtpCode(err);
    if (code !== undefined && code >= 500) {
      // A permanent refusal: the server took nothing, and asking again gets the same answer.
      await deps.markers.unmark(message.id, 0);
      deps.log.error({ jobId: message.id, smtpCode: code }, 'smtp server refused the reply');
      throw new UnrecoverableError(`smtp server refused the reply: ${String(code)}`);
    }
    // A 4xx took nothing either; without an answer the mark stays and the resend reuses the Message-ID.
    if (code !== undefined) await deps.markers.unmark(message.id, 0);
    return putBack(message, new AppError('CHANNEL_UNAVAILABLE', code === undefined ? describeError(err) : `smtp ${String(code)}`, { cause: err }));
  }

  return async function process(job: Job): Promise<void> {
    const message = parseOutboundJob(job, deps.log);
    // A mail cannot be edited: previews of a streamed reply and progress hints are not sent, the finished reply is.
    if (message.kind === 'stream' || message.progress === true) return;
    try {
      await send(message);
    } catch (err) {
      await onError(message, err);
    }
    deps.onSent?.();
    putBacks.sent(message.id);
  };
}
