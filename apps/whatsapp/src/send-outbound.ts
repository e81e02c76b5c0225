import { UnrecoverableError, type Job } from 'bullmq';
import { AppError, describeError, isAppError, type OutboundMessage } from '@nanobot/core';
import { isRedisTrouble, type PutBackKind, type SentMarkers } from '@nanobot/bus';
import { createPutBacks, parseOutboundJob } from '@nanobot/channel';
import type { Logger } from '@nanobot/log';
import type { BridgeLink } from './bridge-link.js';
import { toParts } from './media-parts.js';

export type SenderDeps = {
  link: () => BridgeLink | undefined;
  markers: SentMarkers;
  log: Logger;
  /** Holds the outbound queue (BullMQ manual rate limit) before a job is put back. */
  hold: (ms: number, kind: PutBackKind) => Promise<void>;
  ackTimeoutMs?: number;
  /** Put-backs in a row for one job before it counts as a failed attempt (default: ~1 h of waiting). */
  maxPutBacks?: number;
  /** How long the n-th put-back in a row waits (default putBackDelayMs). */
  putBackDelayMs?: (count: number) => number;
  maxChunkChars?: number;
  /** Metrics: every chunk of a reply reached the bridge. */
  onSent?: (message: OutboundMessage) => void;
};

/**
 * A send id derived from the job id: the same chunk of the same reply is the same id. The
 * bridge deduplicates on it and derives the WhatsApp message id from it, so a chunk sent again
 * (after a worker or bridge crash) is the same WhatsApp message, not a second one.
 */
export const sendIdOf = (message: OutboundMessage, chunk: number) => `${message.id}-${chunk}`;

/**
 * The processor of `outbound-whatsapp`. A chunk counts as sent only when the bridge
 * acknowledged it (design-notes L14), and its sent-marker is written right after that ack; a worker killed
 * in between sends the same id again, which the bridge answers without sending. Without a
 * link, or when the bridge says WhatsApp is away, the job is put back at the head of the
 * queue (manual rate limit, so later replies do not overtake it) and sent again with the
 * same id. A chunk a bridge reports as "uncertain" (bridges before WhatsApp ids were derived
 * from send ids did) is marked so and parked in the failed set, never sent twice.
 */
export function createSender(deps: SenderDeps) {
  const putBacks = createPutBacks({
    service: 'whatsapp', log: deps.log, hold: deps.hold,
    ...(deps.maxPutBacks === undefined ? {} : { maxPutBacks: deps.maxPutBacks }),
    ...(deps.putBackDelayMs === undefined ? {} : { putBackDelayMs: deps.putBackDelayMs }),
  });
  const ackTimeoutMs = deps.ackTimeoutMs ?? 15_000;

  async function putBack(message: OutboundMessage, index: number, err: unknown): Promise<never> {
    await putBacks.putBack({ jobId: message.id, chunk: index }, { err, ...(err instanceof AppError ? { code: err.code } : {}) });
    throw err;
  }

  async function onSendError(message: OutboundMessage, index: number, err: unknown): Promise<never> {
    // A marker read or write Redis refused is Redis trouble, not the bridge's answer.
    if (isRedisTrouble(err)) return putBack(message, index, err);
    const appError = err instanceof AppError ? err : new AppError('CHANNEL_UNAVAILABLE', describeError(err), { cause: err });
    const bridgeCode = appError.details?.bridgeCode;
    if (bridgeCode === 'uncertain') {
      await deps.markers.mark(message.id, index, 'uncertain');
      deps.log.error({ jobId: message.id, chunk: index }, 'reply delivery uncertain, not resending');
      throw new UnrecoverableError(`delivery of ${message.id} chunk ${index} uncertain`);
    }
    if (isAppError(appError, 'MESSAGE_INVALID')) {
      deps.log.error({ jobId: message.id, chunk: index, err: appError }, 'the bridge refused the reply');
      throw new UnrecoverableError(`${appError.code}: ${appError.message}`);
    }
    return putBack(message, index, appError);
  }

  return async function process(job: Job): Promise<void> {
    const message = parseOutboundJob(job, deps.log);
    // WhatsApp cannot edit a message: a streamed reply arrives whole, its previews are not sent.
    if (message.kind === 'stream') return;
    for (const [index, part] of toParts(message, deps.maxChunkChars ?? 4000).entries()) {
      try {
        if ((await deps.markers.get(message.id, index)) !== null) continue;
        const link = deps.link();
        if (link === undefined) throw new AppError('CHANNEL_UNAVAILABLE', 'not connected to the bridge');
        const id = sendIdOf(message, index);
        const frame =
          part.file === undefined
            ? { type: 'send', id, to: message.chatId, text: part.text }
            : { type: 'send_media', id, to: message.chatId, ...part.file, ...(part.text === '' ? {} : { caption: part.text }) };
        await link.request(frame, ackTimeoutMs);
        // Refused by Redis, the chunk is sent again with the same id, which the bridge answers without sending.
        await deps.markers.mark(message.id, index, 'sent');
      } catch (err) {
        await onSendError(message, index, err);
      }
      putBacks.sent(message.id);
    }
    deps.onSent?.(message);
  };
}
