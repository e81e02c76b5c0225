import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import type { Incoming } from './to-incoming.js';

const extensions: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif',
  'video/mp4': 'mp4', 'audio/ogg': 'ogg', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'application/pdf': 'pdf',
};

/** `audio/ogg; codecs=opus` → `ogg`; unknown types keep the original file name's extension or `bin`. */
export function extensionOf(mimetype: string, fileName?: string): string {
  const known = extensions[mimetype.split(';')[0]?.trim() ?? ''];
  if (known !== undefined) return known;
  const fromName = fileName?.match(/\.([A-Za-z0-9]{1,8})$/)?.[1];
  return fromName ?? 'bin';
}

/** Writes downloaded media as `<mediaDir>/<chat>-<message id>.<ext>`; returns the path. */
export async function saveMedia(mediaDir: string, incoming: Incoming, data: Buffer): Promise<string> {
  await mkdir(mediaDir, { recursive: true, mode: 0o700 });
  const media = incoming.media;
  const ext = media === undefined ? 'bin' : extensionOf(media.mimetype, media.fileName);
  const safe = `${incoming.chatJid.split('@')[0] ?? 'chat'}-${incoming.messageId}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const path = join(mediaDir, `${safe}.${ext}`);
  await writeFileAtomic(path, data, { mode: 0o600 });
  return path;
}
