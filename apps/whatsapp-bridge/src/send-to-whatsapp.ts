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
    await socket.sendMessage(toJid(frame.to), content);
  } catch (cause) {
    throw new AppError('CHANNEL_UNAVAILABLE', 'whatsapp did not take the message', { cause });
  }
}
