import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { AppError } from '@nanobot/core';
import type { SendFrame } from './bridge-frames.js';
import type { WaOutgoing, WaSocket } from './wa-socket.js';

/** nanobot clients send a JID; a bare phone number (with or without +) means a personal chat. */
export function toJid(to: string): string {
  if (to.includes('@')) return to;
  return `${to.replace(/^\+/, '').replace(/[\s-]/g, '')}@s.whatsapp.net`;
}

function toMediaContent(frame: Extract<SendFrame, { type: 'send_media' }>): WaOutgoing {
  const url = { url: frame.filePath };
  const caption = frame.caption === undefined ? {} : { caption: frame.caption };
  if (frame.mimetype.startsWith('image/')) return { image: url, mimetype: frame.mimetype, ...caption };
  if (frame.mimetype.startsWith('video/')) return { video: url, mimetype: frame.mimetype, ...caption };
  if (frame.mimetype.startsWith('audio/')) return { audio: url, mimetype: frame.mimetype };
  return { document: url, mimetype: frame.mimetype, ...caption, ...(frame.fileName === undefined ? {} : { fileName: frame.fileName }) };
}

/**
 * The WhatsApp message id of a send with a client id: derived from it (and the recipient), so
 * sending it again after a crash is the same WhatsApp message, not a second one. WhatsApp takes
 * a message's id as its identity (its own retries resend under the same id, and a chat holds
 * one message per id). Shaped like the ids Baileys makes (`3EB0` + 18 upper-case hex digits).
 */
export function toWaMessageId(to: string, sendId: string): string {
  return `3EB0${createHash('sha256').update(`${toJid(to)}\u0000${sendId}`).digest('hex').slice(0, 18).toUpperCase()}`;
}

/**
 * Sends one client command through the socket. Throws CHANNEL_UNAVAILABLE when nothing was
 * sent and a retry may succeed, MESSAGE_INVALID when it never will (a missing media file).
 */
export async function sendToWhatsapp(socket: WaSocket | undefined, frame: SendFrame): Promise<void> {
  if (socket === undefined) throw new AppError('CHANNEL_UNAVAILABLE', 'whatsapp is not connected');
  let content: WaOutgoing;
  if (frame.type === 'send') {
    content = { text: frame.text };
  } else {
    try {
      await access(frame.filePath);
    } catch (cause) {
      throw new AppError('MESSAGE_INVALID', 'media file not found', { cause });
    }
    content = toMediaContent(frame);
  }
  try {
    const options = frame.id === undefined ? undefined : { messageId: toWaMessageId(frame.to, frame.id) };
    await socket.sendMessage(toJid(frame.to), content, options);
  } catch (cause) {
    throw new AppError('CHANNEL_UNAVAILABLE', 'whatsapp did not take the message', { cause });
  }
}
