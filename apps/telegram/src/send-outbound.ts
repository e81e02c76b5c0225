import { UnrecoverableError, type Job } from 'bullmq';
import type { Api } from 'grammy';
import { GrammyError } from 'grammy';
import { describeError, isAppError, type OutboundMessage } from '@nanobot/core';
import { isRedisTrouble, type PutBackKind, type SendingRecord, type SentMarkers, type StreamStates } from '@nanobot/bus';
import { createPutBacks, parseOutboundJob } from '@nanobot/channel';
import type { Logger } from '@nanobot/log';
import { linkPreviewOptions, type ProbeBounds } from './probe-delivery.js';
import { renderReply } from './render-reply.js';
import { createResolver } from './resolve-delivery.js';
import { splitCaption, toFileGroups, type FileGroup } from './media/media-chunks.js';
import { sendFiles, unreadableFiles } from './media/send-files.js';
import { splitMessage } from './split-message.js';
import { createStreamEdits } from './stream-edits.js';
import { neverLeft, toTelegramError } from './telegram-errors.js';

/** One message of a reply: text, or files (`files`) with the text as their caption. */
export type Chunk = { html: string | null; plain: string; files?: FileGroup };

const toTextChunks = (message: Pick<OutboundMessage, 'format'>) => (text: string): Chunk[] =>
  message.format === 'markdown' ? renderReply(text) : splitMessage(text, 4000).map((plain) => ({ html: null, plain }));

/**
 * A reply as the messages it becomes, each with its own sent-marker: its files first (albums
 * where photos and videos follow each other), the text as the first one's caption when it fits
 * Telegram's 1024 characters, else its start as the caption and the rest as messages after.
 */
export function toChunks(message: OutboundMessage & { kind: 'reply' }): Chunk[] {
  const files = message.media ?? [];
  if (files.length === 0) return toTextChunks(message)(message.text);
  const { caption, rest } = splitCaption(message, toTextChunks(message));
  const sends = toFileGroups(files).map((group, i): Chunk => ({ html: i === 0 ? (caption?.html ?? null) : null, plain: i === 0 ? (caption?.plain ?? '') : '', files: group }));
  return [...sends, ...rest];
}

/**
 * Named moments of a send, for fault tests: `after-mark` (marked `sending`, request not
 * made), `after-send` (Telegram answered, the `sent` marker not yet written).
 */
export type SendFaultPoint = 'after-mark' | 'after-send';

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
  /** Bounds of the delivery probe (default defaultProbeBounds). */
  probeBounds?: Partial<ProbeBounds>;
  /** Test hook awaited at each fault point (main.ts kills the process there when told to). */
  faultPoint?: (point: SendFaultPoint) => void | Promise<void>;
  /** Streamed replies: where each stands, and how often a preview may be edited (ms). */
  streams?: { states: StreamStates; intervalMs: number };
};

const isParseError = (err: unknown) =>
  err instanceof GrammyError && err.error_code === 400 && /can't parse entities/i.test(err.description);

/** An answer that proves the request did not deliver the message: safe to send again. */
const provesNotDelivered = (err: unknown) =>
  (err instanceof GrammyError && err.error_code < 500) || neverLeft(err);

type ReplyMessage = OutboundMessage & { kind: 'reply' };
type ChunkAt = { message: ReplyMessage; chunk: Chunk; index: number; chat: string };

/**
 * The processor of `outbound-telegram`, with an exactly-once effect per chunk. A chunk is
 * marked `sending` (with exactly what is sent and the chat's newest known message id)
 * before the request and `sent` (with the returned message id) after it. A chunk found
 * `sending` — the process died in between, or the answer was a reset, a timeout or a 5xx,
 * none of which proves it was not delivered — is resolved by asking Telegram (an
 * `editMessageText` probe with the same content, see resolve-delivery.ts), then either
 * recorded as sent or sent. When Telegram is rate limiting or down, the job is put back at the head of
 * the queue (BullMQ manual rate limit) instead of being retried later, which would let later
 * replies of the same chat overtake it (design-notes L10); attempts are not used up. Only a chunk that
 * cannot be resolved is parked in the failed set, with an error log line.
 */
export function createSender(deps: SenderDeps) {
  const putBacks = createPutBacks({
    service: 'telegram', log: deps.log, hold: deps.hold,
    ...(deps.maxPutBacks === undefined ? {} : { maxPutBacks: deps.maxPutBacks }),
    ...(deps.putBackDelayMs === undefined ? {} : { putBackDelayMs: deps.putBackDelayMs }),
  });
  const markers = deps.markers;
  const resolve = createResolver({
    api: deps.api,
    markers,
    log: deps.log,
    ...(deps.probeBounds ? { bounds: deps.probeBounds } : {}),
    ...(deps.fence ? { fence: deps.fence } : {}),
  });

  async function floorOf(at: ChunkAt): Promise<number | null> {
    const { ours, seen } = await markers.chat(at.chat);
    const replyTo = Number(at.message.replyToMessageId);
    // The newest id known in the chat: ours, the user message answered, or any message received since.
    const known = [ours[ours.length - 1], seen[seen.length - 1], Number.isSafeInteger(replyTo) && replyTo > 0 ? replyTo : undefined].filter(
      (id) => id !== undefined,
    );
    return known.length === 0 ? null : Math.max(...known);
  }

  async function send(at: ChunkAt, first: SendingRecord): Promise<void> {
    const { message, index } = at;
    const quote = deps.replyToMessage === true && index === 0 && message.replyToMessageId !== undefined;
    const quoted = {
      ...(message.threadId === undefined ? {} : { message_thread_id: Number(message.threadId) }),
      ...(quote ? { reply_parameters: { message_id: Number(message.replyToMessageId), allow_sending_without_reply: true } } : {}),
    };
    const params = { ...quoted, link_preview_options: linkPreviewOptions };
    const files = at.chunk.files;
    const missing = files === undefined ? [] : await unreadableFiles(files);
    if (missing.length > 0) {
      deps.log.error({ jobId: message.id, chunk: index, files: missing.length }, 'a file of the reply cannot be read, parking it');
      throw new UnrecoverableError(`reply ${message.id} chunk ${index}: cannot read ${missing.join(', ')}`);
    }
    let record = first;
    for (;;) {
      // Fenced before the marker too: a process that lost the lease leaves no `sending` behind.
      await deps.fence?.();
      await markers.markSending(message.id, index, record);
      await deps.faultPoint?.('after-mark');
      await deps.fence?.();
      let ids: number[];
      try {
        const parseMode = record.parseMode === undefined ? {} : { parse_mode: record.parseMode as 'HTML' };
        ids =
          files === undefined
            ? [(await deps.api.sendMessage(message.chatId, record.text, { ...params, ...parseMode })).message_id]
            : await sendFiles(deps.api, message.chatId, files, { text: record.text, ...(record.parseMode === undefined ? {} : { parseMode: record.parseMode }) }, quoted);
      } catch (err) {
        if (record.parseMode !== undefined && isParseError(err)) {
          deps.log.warn({ jobId: message.id, chunk: index }, 'telegram refused the HTML, sending plain text');
          record = { floor: record.floor, text: at.chunk.plain, ...(files === undefined ? {} : { media: true }) };
          continue;
        }
        if (provesNotDelivered(err)) await markers.unmark(message.id, index);
        throw err;
      }
      await deps.faultPoint?.('after-send');
      const [messageId = 0, ...alsoIds] = ids;
      await markers.markDelivered(message.id, index, { chat: at.chat, messageId, alsoIds });
      return;
    }
  }

  async function deliver(at: ChunkAt): Promise<void> {
    const record = await markers.read(at.message.id, at.index);
    if (record?.state === 'sent' || record?.state === 'uncertain') return;
    if (record?.state !== 'sending') {
      const floor = await floorOf(at);
      const media = at.chunk.files === undefined ? {} : { media: true };
      await send(at, at.chunk.html === null ? { floor, text: at.chunk.plain, ...media } : { floor, text: at.chunk.html, parseMode: 'HTML', ...media });
      return;
    }
    const target = { jobId: at.message.id, chunk: at.index, chatId: at.message.chatId, chat: at.chat, plain: at.chunk.plain };
    const resolution = await resolve(target, record);
    switch (resolution.kind) {
      case 'delivered':
        return;
      case 'send':
        await send(at, resolution.record);
        return;
      case 'unresolved':
        await markers.markUnresolved(at.message.id, at.index, { chat: at.chat, floor: record.floor, uncertain: true });
        deps.log.error({ jobId: at.message.id, chunk: at.index, reason: resolution.reason }, 'reply delivery uncertain, not resending');
        throw new UnrecoverableError(`delivery of ${at.message.id} chunk ${at.index} uncertain: ${resolution.reason}`);
      default: {
        const unexpected: never = resolution;
        throw new Error(`unexpected resolution ${JSON.stringify(unexpected)}`);
      }
    }
  }

  const streams =
    deps.streams === undefined
      ? undefined
      : createStreamEdits({
          api: deps.api, markers, states: deps.streams.states, log: deps.log, deliver, toChunks, intervalMs: deps.streams.intervalMs,
          ...(deps.fence ? { fence: deps.fence } : {}),
        });

  return async function process(job: Job): Promise<void> {
    const message = parseOutboundJob(job, deps.log);
    const chat = `${message.channel}:${message.chatId}`;
    if (message.kind === 'stream') {
      // A preview of a reply being written; without streaming set up it is nothing to send.
      await streams?.preview(message, chat);
      return;
    }
    for (const [index, chunk] of toChunks(message).entries()) {
      try {
        const at = { message, chunk, index, chat };
        // A reply with files starts with a file, not with the text its preview showed: it is sent as it is.
        const streamed = index === 0 && streams !== undefined && (message.media ?? []).length === 0;
        await (streamed ? streams.deliverFirst(at) : deliver(at));
      } catch (err) {
        // A lost lease is not Telegram's answer: no marker, no error line; the fence puts the reply back.
        if (err instanceof UnrecoverableError || isAppError(err, 'LEASE_LOST')) throw err;
        await onSendError({ message, chunk, index, chat }, err);
      }
      putBacks.sent(message.id);
    }
    deps.onSent?.(message);
  };

  async function onSendError(at: ChunkAt, err: unknown): Promise<never> {
    const { message, index } = at;
    const where = { jobId: message.id, chunk: index };
    // Redis refusing a marker write (full, read-only) is not Telegram's answer: put back as Redis trouble.
    const appError = isRedisTrouble(err) ? undefined : toTelegramError(err, err instanceof GrammyError ? err.method : 'sendMessage', 0);
    if (appError !== undefined && appError.code !== 'CHANNEL_RATE_LIMITED' && appError.code !== 'CHANNEL_UNAVAILABLE') {
      await keepUnresolved(at);
      deps.log.error({ ...where, err: appError }, 'telegram refused the reply');
      throw new UnrecoverableError(`${appError.code}: ${appError.message}`);
    }
    await putBacks.putBack(where, appError === undefined ? { err } : { err, code: appError.code, ...(appError.retryAfterMs === undefined ? {} : { retryAfterMs: appError.retryAfterMs }) });
    if (!(await keepUnresolved(at))) throw appError ?? err;
    const reason = appError?.message ?? describeError(err);
    deps.log.error({ ...where, err: appError ?? err }, `reply delivery uncertain, ${appError === undefined ? 'redis' : 'telegram'} unavailable while checking`);
    throw new UnrecoverableError(`delivery of ${message.id} chunk ${index} unresolved: ${reason}`);
  }

  /**
   * A chunk parked while still `sending` (Telegram away for the whole put-back budget, or
   * refusing the probe) may have been delivered: it stays `sending`, so a replay
   * (`nanobot retry`) asks Telegram first, and its chat remembers it. False if not `sending`.
   */
  async function keepUnresolved(at: ChunkAt): Promise<boolean> {
    const record = await markers.read(at.message.id, at.index);
    if (record?.state !== 'sending') return false;
    await markers.markUnresolved(at.message.id, at.index, { chat: at.chat, floor: record.floor, uncertain: false });
    return true;
  }
}
