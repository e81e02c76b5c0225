import { randomBytes } from 'node:crypto';
import { access, constants, copyFile, mkdir, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';

/** A message ready to queue with its files in the workspace, or the line that tells the chat why it was not taken. */
export type Kept = { kind: 'message'; message: InboundMessage } | { kind: 'refused'; notice: OutboundMessage };

/** The bridge's note for media over its cap (`channels.whatsapp.maxMediaMb`), put into the text instead of a file. */
const tooLarge = /\[(image|video|audio|document|sticker): too large\]/;

const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-120) || 'file';

const kindWords: Record<string, string> = { image: 'photo', video: 'video', audio: 'voice message', document: 'file', sticker: 'sticker' };

/**
 * Received WhatsApp files into `<workspace>/media/whatsapp/<chat>/` before the frame is acked:
 * the bridge downloaded them (up to its cap) into its own folder, and the copy under a name
 * fixed by the message id is what the agent reads; a resent frame copies to the same name. A
 * path this process cannot read (a bridge on another machine) is passed on as it is. Media the
 * bridge left out as too large refuses the message with one line in the chat.
 */
export function createMediaKeeper(options: { mediaDir: string; maxMediaMb: number }) {
  async function keep(chatId: string, messageId: string, path: string): Promise<string> {
    const readable = await access(path, constants.R_OK).then(() => true, () => false);
    if (!readable) return path;
    const dir = join(options.mediaDir, safeName(chatId));
    const target = join(dir, `${safeName(messageId)}-${safeName(basename(path))}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = join(dir, `.${randomBytes(6).toString('hex')}.part`);
    await copyFile(path, temp);
    await rename(temp, target);
    return target;
  }

  return async function keepMedia(message: InboundMessage): Promise<Kept> {
    if (message.kind !== 'message') return { kind: 'message', message };
    const large = tooLarge.exec(message.text);
    if (large !== null) {
      const what = kindWords[large[1] ?? ''] ?? 'file';
      const text = `That ${what} is larger than the ${options.maxMediaMb} MB I accept, so I did not take this message. Please send a smaller file or a link to it.`;
      return { kind: 'refused', notice: toNotice(message, text) };
    }
    if (message.media.length === 0) return { kind: 'message', message };
    const media: string[] = [];
    for (const path of message.media) media.push(await keep(message.chatId, message.sourceMessageId ?? message.id, path));
    return { kind: 'message', message: { ...message, media } };
  };
}

function toNotice(message: InboundMessage, text: string): OutboundMessage {
  return {
    kind: 'reply',
    // From the inbound id: a resent frame refuses with the same reply, sent once.
    id: `${message.id}-media-refused`,
    inReplyTo: message.id,
    channel: message.channel,
    chatId: message.chatId,
    text,
    format: 'plain',
  };
}

export type MediaKeeper = ReturnType<typeof createMediaKeeper>;
