import type { Message, Update } from 'grammy/types';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import type { Download, Downloader } from './download-file.js';
import { mediaRefsOf, type MediaRef } from './media-refs.js';

/** A message ready to queue with its files, or the line that tells the chat why it was not taken. */
export type Attached = { kind: 'message'; message: InboundMessage } | { kind: 'refused'; notice: OutboundMessage; reason: string };

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const kindWords: Record<MediaRef['kind'], string> = {
  photo: 'photo',
  document: 'file',
  voice: 'voice message',
  audio: 'audio file',
  video: 'video',
  video_note: 'video message',
  sticker: 'sticker',
  animation: 'animation',
};

function refusalText(ref: MediaRef, outcome: Exclude<Download, { kind: 'saved' }>, maxBytes: number): string {
  const what = ref.fileName === undefined ? `That ${kindWords[ref.kind]}` : `"${ref.fileName}"`;
  if (outcome.kind === 'too-large') {
    const size = outcome.bytes === undefined ? '' : ` (${megabytes(outcome.bytes)})`;
    return `${what}${size} is larger than the ${megabytes(maxBytes).replace('.0 MB', ' MB')} I accept, so I did not take this message. Please send a smaller file or a link to it.`;
  }
  return `I could not download ${what.charAt(0).toLowerCase()}${what.slice(1)} from Telegram (${outcome.reason}), so I did not take this message. Please send it again.`;
}

/**
 * Downloads the files of a message (one update, or every update of an album) before it is
 * queued, so the queued message already carries their paths: the update is confirmed only
 * after that, and a crash mid-download means Telegram delivers it again. Captions of an album's
 * other photos join the text. One file over the cap (or one Telegram will not give) refuses
 * the whole message: a half album is never a turn; the chat gets one line saying why.
 */
export function createMediaAttacher(deps: { download: Downloader; maxBytes: number }) {
  return async function attach(message: InboundMessage, updates: Update[]): Promise<Attached> {
    if (message.kind !== 'message') return { kind: 'message', message };
    const messages = updates.flatMap((update) => (update.message === undefined ? [] : [update.message as Message]));
    const media: string[] = [];
    for (const source of messages) {
      for (const ref of mediaRefsOf(source)) {
        const outcome = await deps.download({ chatId: message.chatId, messageId: source.message_id, ref });
        if (outcome.kind !== 'saved') {
          return { kind: 'refused', notice: toNotice(message, refusalText(ref, outcome, deps.maxBytes)), reason: outcome.kind };
        }
        media.push(outcome.path);
      }
    }
    const captions = messages.slice(1).flatMap((m) => (typeof m.caption === 'string' && m.caption !== '' ? [m.caption] : []));
    const text = [message.text, ...captions].filter((part) => part !== '').join('\n');
    return { kind: 'message', message: { ...message, text, media } };
  };
}

function toNotice(message: InboundMessage, text: string): OutboundMessage {
  return {
    kind: 'reply',
    // From the inbound id: a redelivered update refuses with the same reply, sent once.
    id: `${message.id}-media-refused`,
    inReplyTo: message.id,
    channel: message.channel,
    chatId: message.chatId,
    ...(message.threadId === undefined ? {} : { threadId: message.threadId }),
    ...(message.sourceMessageId === undefined ? {} : { replyToMessageId: message.sourceMessageId }),
    text,
    format: 'plain',
  };
}

export type MediaAttacher = ReturnType<typeof createMediaAttacher>;
