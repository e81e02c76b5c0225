import { basename, extname } from 'node:path';
import type { OutboundMessage } from '@nanobot/core';
import { splitText } from '@nanobot/channel';

/** One frame of a reply: text, or a file (`send_media`) with `text` as its caption. */
export type Part = { text: string; file?: { filePath: string; mimetype: string; fileName: string } };

/** A caption longer than this goes as a message of its own after the files. */
const captionChars = 1024;

const mimeTypes: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.ogg': 'audio/ogg; codecs=opus',
  '.oga': 'audio/ogg; codecs=opus',
  '.opus': 'audio/ogg; codecs=opus',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
};

/**
 * A reply as the frames it becomes, each with its own sent-marker and send id: its files first
 * (the bridge sends images, video and audio as such by type, anything else as a document), the
 * text as the first file's caption when it is short and the file can carry one, else as
 * messages after them.
 */
export function toParts(message: OutboundMessage & { kind: 'reply' }, maxChunkChars: number): Part[] {
  const files = message.media ?? [];
  if (files.length === 0) return splitText(message.text, maxChunkChars).map((text) => ({ text }));
  const text = message.text.trim();
  const mimeOf = (path: string) => mimeTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
  // WhatsApp shows no caption on audio: then the text goes as a message of its own.
  const captioned = text !== '' && text.length <= captionChars && !mimeOf(files[0] ?? '').startsWith('audio/');
  const sends = files.map((path, i): Part => ({
    text: i === 0 && captioned ? text : '',
    file: { filePath: path, mimetype: mimeOf(path), fileName: basename(path) },
  }));
  return [...sends, ...(captioned || text === '' ? [] : splitText(text, maxChunkChars).map((t) => ({ text: t })))];
}
