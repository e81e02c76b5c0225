import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Api } from 'grammy';
import { GrammyError } from 'grammy';
import { describeError, parseOutboundMessage, type OutboundMessage } from '@nanobot/core';
import { defaultMaxPutBacks, putBackDelayMs, type PutBackKind, type SentMarkers } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { renderReply } from './render-reply.js';
import { splitMessage } from './split-message.js';
import { neverLeft, toTelegramError } from './telegram-errors.js';

export type Chunk = { html: string | null; plain: string };

export function toChunks(message: OutboundMessage): Chunk[] {
  if (message.format === 'markdown') return renderReply(message.text);
  return splitMessage(message.text, 4000).map((plain) => ({ html: null, plain }));
}

export type SenderDeps = {
  api: Api;
  markers: SentMarkers;
  log: Logger;
  /** Holds the outbound queue (BullMQ manual rate limit) before a job is put back. */
  hold: (ms: number, kind: PutBackKind) => Promise<void>;
  onSent?: (message: OutboundMessage) => void;
  /** nanobot's `replyToMessage`: the first chunk quotes the user's message. */
  replyToMessage?: boolean;
  /**
   * How many times in a row a job may be put back for Telegram being down before it counts
   * as a failed attempt (default 400: about an hour, see putBackDelayMs).
   */
  maxPutBacks?: number;
  /** How long the n-th put-back in a row waits, unless Telegram said (default putBackDelayMs). */
  putBackDelayMs?: (count: number) => number;
  /** Throws unless this process may still send (it holds the poller lease): checked before each request. */
  fence?: () => Promise<void>;
};

const isParseError = (err: unknown) =>
  err instanceof GrammyError && err.error_code === 400 && /can't parse entities/i.test(err.description);

/**
 * The processor of `outbound-telegram`. Each chunk is sent at most once: its
 * sent-marker is checked before and written right after success (L9). When
 * Telegram is rate limiting or down, the job is put back at the head of the
 * queue (BullMQ manual rate limit) instead of being retried later, which would
 * let later replies of the same chat overtake it (L10); attempts are not used up.
 * An error after which the request may have been delivered is not retried: the
 * chunk is marked uncertain and the job parked in the failed set.
 */
export function createSender(deps: SenderDeps) {
  const putBacks = new Map<string, number>();
  const maxPutBacks = deps.maxPutBacks ?? defaultMaxPutBacks;

  async function sendChunk(message: OutboundMessage, chunk: Chunk, index: number): Promise<void> {
    const quote = deps.replyToMessage === true && index === 0 && message.replyToMessageId !== undefined;
    const params = {
      ...(message.threadId === undefined ? {} : { message_thread_id: Number(message.threadId) }),
      ...(quote ? { reply_parameters: { message_id: Number(message.replyToMessageId), allow_sending_without_reply: true } } : {}),
      link_preview_options: { is_disabled: true },
    };
    if (chunk.html !== null) {
      try {
        await deps.fence?.();
        await deps.api.sendMessage(message.chatId, chunk.html, { ...params, parse_mode: 'HTML' });
        return;
      } catch (err) {
        if (!isParseError(err)) throw err;
        deps.log.warn({ jobId: message.id, chunk: index }, 'telegram refused the HTML, sending plain text');
      }
    }
    await deps.fence?.();
    await deps.api.sendMessage(message.chatId, chunk.plain, params);
  }

  return async function process(job: Job, token?: string): Promise<void> {
    let message: OutboundMessage;
    try {
      message = parseOutboundMessage(job.data);
    } catch (err) {
      deps.log.error({ err, jobId: job.id }, 'outbound job is malformed, parking it');
      throw new UnrecoverableError(describeError(err));
    }
    const chunks = toChunks(message);
    for (const [index, chunk] of chunks.entries()) {
      const state = await deps.markers.get(message.id, index);
      if (state !== null) continue;
      try {
        await sendChunk(message, chunk, index);
      } catch (err) {
        await onSendError(job, token, message, index, err);
      }
      await deps.markers.mark(message.id, index, 'sent');
      putBacks.delete(message.id);
    }
    deps.onSent?.(message);
  };

  async function onSendError(job: Job, token: string | undefined, message: OutboundMessage, index: number, err: unknown): Promise<never> {
    const appError = toTelegramError(err, 'sendMessage', 0);
    const transient =
      appError.code === 'CHANNEL_RATE_LIMITED' ||
      (appError.code === 'CHANNEL_UNAVAILABLE' && (err instanceof GrammyError || neverLeft(err)));
    if (transient) {
      const count = (putBacks.get(message.id) ?? 0) + 1;
      putBacks.set(message.id, count);
      if (count <= maxPutBacks) {
        const waitMs = appError.retryAfterMs ?? (deps.putBackDelayMs ?? putBackDelayMs)(count);
        deps.log.warn({ jobId: message.id, chunk: index, code: appError.code, waitMs, putBacks: count }, 'telegram unavailable, reply put back');
        await deps.hold(waitMs, appError.retryAfterMs === undefined ? 'outage' : 'rate-limit');
        throw Worker.RateLimitError();
      }
      putBacks.delete(message.id);
      throw appError;
    }
    if (appError.code === 'CHANNEL_UNAVAILABLE') {
      // The request may have reached Telegram: sending again could duplicate the reply.
      await deps.markers.mark(message.id, index, 'uncertain');
      deps.log.error({ jobId: message.id, chunk: index, err: appError }, 'reply delivery uncertain, not resending');
      throw new UnrecoverableError(`delivery of ${message.id} chunk ${index} uncertain: ${appError.message}`);
    }
    deps.log.error({ jobId: message.id, chunk: index, err: appError }, 'telegram refused the reply');
    throw new UnrecoverableError(`${appError.code}: ${appError.message}`);
  }
}
