import type { Api } from 'grammy';
import { GrammyError } from 'grammy';
import { isAppError, type OutboundMessage } from '@nanobot/core';
import type { SentMarkers, StreamStates } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { linkPreviewOptions } from './probe-delivery.js';
import type { Chunk } from './send-outbound.js';

type StreamMessage = OutboundMessage & { kind: 'stream' };
type ReplyMessage = OutboundMessage & { kind: 'reply' };
export type ChunkAt = { message: ReplyMessage; chunk: Chunk; index: number; chat: string };

export type StreamEditsDeps = {
  api: Api;
  markers: SentMarkers;
  states: StreamStates;
  log: Logger;
  /** The sender's exactly-once send of one chunk (sent-markers, probes). */
  deliver: (at: ChunkAt) => Promise<void>;
  toChunks: (message: ReplyMessage) => Chunk[];
  fence?: () => Promise<void>;
  /** Edits of one reply's preview at most this often, whatever the queue holds (channels.telegram.streamEditInterval). */
  intervalMs: number;
  now?: () => number;
};

const descriptionOf = (err: unknown) => (err instanceof GrammyError ? err.description.toLowerCase() : '');
const isNotModified = (err: unknown) => err instanceof GrammyError && err.error_code === 400 && descriptionOf(err).includes('message is not modified');
const isGone = (err: unknown) =>
  err instanceof GrammyError && err.error_code === 400 && /message to edit not found|message can't be edited/.test(descriptionOf(err));
const isParseError = (err: unknown) => err instanceof GrammyError && err.error_code === 400 && descriptionOf(err).includes("can't parse entities");

/**
 * Streamed replies on Telegram (channels.telegram.streaming). The first preview of a reply is sent
 * as the reply's first chunk, through the sender's exactly-once path, so it *is* that chunk: its
 * sent-marker holds the message id. Later previews edit that message, at most once per interval,
 * and are dropped when Telegram is busy (the next one, or the reply, shows the text anyway). The
 * reply itself then writes its complete text into the same message and sends what lies past the
 * first chunk as further messages; after that, previews of the reply are dropped. A re-run turn
 * (the agent died mid-stream) streams into the same message, because it is found by the reply id.
 */
export function createStreamEdits(deps: StreamEditsDeps) {
  const now = deps.now ?? Date.now;
  const lastEditAt = new Map<string, number>();

  async function edit(at: ChunkAt, messageId: number): Promise<void> {
    const params = { link_preview_options: linkPreviewOptions };
    await deps.fence?.();
    try {
      if (at.chunk.html === null) await deps.api.editMessageText(at.message.chatId, messageId, at.chunk.plain, params);
      else await deps.api.editMessageText(at.message.chatId, messageId, at.chunk.html, { ...params, parse_mode: 'HTML' });
    } catch (err) {
      if (isNotModified(err)) return;
      if (at.chunk.html !== null && isParseError(err)) {
        deps.log.warn({ jobId: at.message.id }, 'telegram refused the HTML of a streamed reply, editing with plain text');
        await edit({ ...at, chunk: { html: null, plain: at.chunk.plain } }, messageId);
        return;
      }
      throw err;
    }
  }

  const asReply = (message: StreamMessage): ReplyMessage => {
    const { replyId, kind: _kind, ...rest } = message;
    return { ...rest, kind: 'reply', id: replyId };
  };

  return {
    /** One preview: the reply's first chunk so far, sent once and then edited. Never throws but for a lost lease. */
    async preview(message: StreamMessage, chat: string): Promise<void> {
      const replyId = message.replyId;
      try {
        if ((await deps.states.get(replyId)) === 'final') return;
        const reply = asReply(message);
        const chunk = deps.toChunks(reply)[0];
        if (chunk === undefined || chunk.plain.trim() === '') return;
        const at: ChunkAt = { message: reply, chunk, index: 0, chat };
        const record = await deps.markers.read(replyId, 0);
        if (record === null || record.state === 'sending') {
          await deps.states.open(replyId);
          lastEditAt.set(replyId, now());
          await deps.deliver(at);
          return;
        }
        if (record.state !== 'sent' || record.messageId === undefined) return;
        if (now() - (lastEditAt.get(replyId) ?? Number.NEGATIVE_INFINITY) < deps.intervalMs) return;
        lastEditAt.set(replyId, now());
        await edit(at, record.messageId);
      } catch (err) {
        if (isAppError(err, 'LEASE_LOST')) throw err;
        deps.log.debug({ err, jobId: message.id, replyId }, 'stream preview not shown');
      }
    },

    /**
     * The reply's first chunk: sent as usual when nothing was streamed for it, otherwise written
     * into the preview message (an edit that repeats itself after a crash is "not modified").
     * Throws what Telegram answered, for the sender to put the reply back or park it.
     */
    async deliverFirst(at: ChunkAt): Promise<void> {
      const replyId = at.message.id;
      if ((await deps.states.get(replyId)) === null) return deps.deliver(at);
      let record = await deps.markers.read(replyId, 0);
      if (record === null) {
        // The preview never reached the chat: the reply is sent like any other.
        await deps.deliver(at);
      } else {
        if (record.state === 'sending') {
          await deps.deliver(at);
          record = await deps.markers.read(replyId, 0);
        }
        if (record?.state === 'sent' && record.messageId !== undefined) {
          try {
            await edit(at, record.messageId);
          } catch (err) {
            if (!isGone(err)) throw err;
            // The user deleted the preview: the complete reply goes out as a message of its own.
            deps.log.warn({ jobId: replyId }, 'the streamed message is gone, sending the reply anew');
            await deps.markers.unmark(replyId, 0);
            await deps.deliver(at);
          }
        }
      }
      await deps.states.finish(replyId);
      lastEditAt.delete(replyId);
    },
  };
}
