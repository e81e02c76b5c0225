import { extname } from 'node:path';
import type { OutboundMessage } from '@nanobot/core';
import { renderReply, visibleLength } from '../render-reply.js';
import { splitMessage } from '../split-message.js';

/** How Telegram is asked to show a file: the Bot API method follows from it. */
export type FileKind = 'photo' | 'video' | 'voice' | 'audio' | 'document';

/** Bot API limit for a caption after entity parsing. */
export const CAPTION_LIMIT = 1024;
/** sendMediaGroup takes 2 to 10 items. */
const ALBUM_MAX = 10;

const byExtension: Record<string, FileKind> = {
  '.jpg': 'photo',
  '.jpeg': 'photo',
  '.png': 'photo',
  '.webp': 'photo',
  '.mp4': 'video',
  '.mov': 'video',
  '.ogg': 'voice',
  '.oga': 'voice',
  '.opus': 'voice',
  '.mp3': 'audio',
  '.m4a': 'audio',
  '.wav': 'audio',
  '.flac': 'audio',
};

export const fileKindOf = (path: string): FileKind => byExtension[extname(path).toLowerCase()] ?? 'document';

/** One send of files: a single file, or photos and videos together as an album. */
export type FileGroup = { kind: FileKind | 'album'; paths: string[] };

/**
 * The files of a reply as sends: consecutive photos and videos go together as albums (at most
 * ten each), everything else one by one, by the method its type needs.
 */
export function toFileGroups(paths: string[]): FileGroup[] {
  const groups: FileGroup[] = [];
  let run: string[] = [];
  const flush = () => {
    for (let i = 0; i < run.length; i += ALBUM_MAX) {
      const part = run.slice(i, i + ALBUM_MAX);
      groups.push(part.length === 1 ? { kind: fileKindOf(part[0] ?? ''), paths: part } : { kind: 'album', paths: part });
    }
    run = [];
  };
  for (const path of paths) {
    const kind = fileKindOf(path);
    if (kind === 'photo' || kind === 'video') {
      run.push(path);
      continue;
    }
    flush();
    groups.push({ kind, paths: [path] });
  }
  flush();
  return groups;
}

type Piece = { html: string | null; plain: string };

/**
 * The caption of a reply's first file and the text that follows as messages: the whole text
 * when it fits Telegram's 1024-character caption, else its first part up to there and the rest
 * as ordinary messages.
 */
export function splitCaption(message: OutboundMessage, toText: (text: string) => Piece[]): { caption: Piece | undefined; rest: Piece[] } {
  const text = message.text.trim();
  if (text === '') return { caption: undefined, rest: [] };
  const fits = (piece: Piece | undefined) => piece !== undefined && (piece.html === null ? piece.plain.length : visibleLength(piece.html)) <= CAPTION_LIMIT;
  const whole = toText(text);
  if (whole.length === 1 && fits(whole[0])) return { caption: whole[0], rest: [] };
  const [first = '', ...others] = splitMessage(text, CAPTION_LIMIT - 24);
  const head = toText(first);
  if (head.length !== 1 || !fits(head[0])) return { caption: undefined, rest: whole };
  return { caption: head[0], rest: others.length === 0 ? [] : toText(others.join('\n\n')) };
}

export const markdownPieces = (text: string): Piece[] => renderReply(text);
