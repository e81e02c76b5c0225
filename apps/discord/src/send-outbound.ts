import { createHash } from 'node:crypto';
import type { REST } from '@discordjs/rest';
import { UnrecoverableError, type Job } from 'bullmq';
import { isAppError, type OutboundMessage } from '@nanobot/core';
import { isRedisTrouble, type PutBackKind, type SentMarkers } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { createPutBacks, parseOutboundJob, splitText } from '@nanobot/channel';
import { refusedByDiscord, toDiscordError } from './discord-rest.js';

/** Named moments of a send for fault tests: `after-mark` (request not made), `after-send` (answered, not marked sent). */
export type SendFaultPoint = 'after-mark' | 'after-send';
export const sendFaultPoints: readonly SendFaultPoint[] = ['after-mark', 'after-send'];

/** Discord's limit on a message's content. */
export const discordMaxChars = 2000;

export type SenderDeps = {
  rest: REST;
  markers: SentMarkers;
  log: Logger;
  hold: (ms: number, kind: PutBackKind) => Promise<void>;
  onSent?: (message: OutboundMessage) => void;
  /** Throws unless this process may still send (it holds the lease): checked before each request. */
  fence?: () => Promise<void>;
  maxPutBacks?: number;
  putBackDelayMs?: (count: number) => number;
  faultPoint?: (point: SendFaultPoint) => void | Promise<void>;
};

/**
 * The nonce of one chunk of one reply (Discord: at most 25 characters). The same chunk sent
 * again carries the same nonce, and with `enforce_nonce` Discord answers with the message
 * it already created instead of a second one, for a few minutes after the first send.
 */
export const nonceOf = (jobId: string, chunk: number): string =>
  createHash('sha256').update(`${jobId}:${chunk}`).digest('base64url').slice(0, 25);

/**
 * The processor of `outbound-discord`. Each chunk is marked `sending` before the request and
 * `sent` after it; a chunk found `sending` (the worker died in between, or the answer was lost)
 * is sent again with the same nonce, which Discord deduplicates, so a kill -9 after the send
 * doubles nothing. The first chunk is a reply to the user's message (a message reference that
 * does not fail if the message is gone) and pings no one. Discord down or rate limiting beyond
 * what the REST client waits out: the job is put back at the head of the queue, in its place.
 * A 4xx answer proves nothing was created: the chunk is unmarked and the reply parked.
 */
export function createSender(deps: SenderDeps) {
  const putBacks = createPutBacks({
    service: 'discord', log: deps.log, hold: deps.hold,
    ...(deps.maxPutBacks === undefined ? {} : { maxPutBacks: deps.maxPutBacks }),
    ...(deps.putBackDelayMs === undefined ? {} : { putBackDelayMs: deps.putBackDelayMs }),
  });

  async function sendChunk(message: OutboundMessage, index: number, text: string): Promise<void> {
    const state = await deps.markers.get(message.id, index);
    if (state === 'sent' || state === 'uncertain') return;
    if (state === 'sending') deps.log.info({ jobId: message.id, chunk: index }, 'chunk may have been sent: sending again with its nonce');
    await deps.fence?.();
    await deps.markers.markSending(message.id, index, { floor: null, text });
    await deps.faultPoint?.('after-mark');
    await deps.fence?.();
    const reference = index === 0 && message.replyToMessageId !== undefined
      ? { message_reference: { message_id: message.replyToMessageId, fail_if_not_exists: false } }
      : {};
    try {
      await deps.rest.post(`/channels/${message.chatId}/messages`, {
        body: {
          content: text,
          nonce: nonceOf(message.id, index),
          enforce_nonce: true,
          allowed_mentions: { parse: [], replied_user: false },
          ...reference,
        },
      });
    } catch (err) {
      if (refusedByDiscord(err)) await deps.markers.unmark(message.id, index);
      throw err;
    }
    await deps.faultPoint?.('after-send');
    await deps.markers.mark(message.id, index, 'sent');
  }

  async function onSendError(message: OutboundMessage, index: number, err: unknown): Promise<never> {
    const at = { jobId: message.id, chunk: index };
    // A marker write Redis refused is Redis trouble, not Discord's answer.
    if (isRedisTrouble(err)) return putBacks.putBack(at, { err }).then(() => Promise.reject(err));
    const appError = toDiscordError(err, 'create message');
    if (appError.code !== 'CHANNEL_UNAVAILABLE' && appError.code !== 'CHANNEL_RATE_LIMITED') {
      deps.log.error({ ...at, err: appError }, 'discord refused the reply');
      throw new UnrecoverableError(`${appError.code}: ${appError.message}`);
    }
    await putBacks.putBack(at, { err: appError, code: appError.code, ...(appError.retryAfterMs === undefined ? {} : { retryAfterMs: appError.retryAfterMs }) });
    throw appError;
  }

  return async function process(job: Job): Promise<void> {
    const message = parseOutboundJob(job, deps.log);
    for (const [index, text] of splitText(message.text, discordMaxChars, { emptyText: '(empty reply)' }).entries()) {
      try {
        await sendChunk(message, index, text);
      } catch (err) {
        if (err instanceof UnrecoverableError || isAppError(err, 'LEASE_LOST')) throw err;
        await onSendError(message, index, err);
      }
      putBacks.sent(message.id);
    }
    deps.onSent?.(message);
  };
}
