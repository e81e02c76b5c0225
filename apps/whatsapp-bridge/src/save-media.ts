import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
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

export type SavedMedia = { kind: 'saved'; path: string; bytes: number } | { kind: 'too-large'; bytes: number };

/**
 * Streams downloaded media to `<mediaDir>/<chat>-<message id>.<ext>` (mode 0600) and returns
 * the path. At most `maxBytes` are ever held or written: past the cap the download is
 * abandoned (ending the iteration destroys the stream) and the partial file deleted. The
 * file appears under its name only once complete (temp file, fsync, rename).
 */
export async function saveMedia(mediaDir: string, incoming: Incoming, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<SavedMedia> {
  await mkdir(mediaDir, { recursive: true, mode: 0o700 });
  const media = incoming.media;
  const ext = media === undefined ? 'bin' : extensionOf(media.mimetype, media.fileName);
  const safe = `${incoming.chatJid.split('@')[0] ?? 'chat'}-${incoming.messageId}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const path = join(mediaDir, `${safe}.${ext}`);
  const temp = join(mediaDir, `.${safe}.${randomBytes(4).toString('hex')}.part`);
  const handle = await open(temp, 'wx', 0o600);
  let bytes = 0;
  let complete = false;
  try {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > maxBytes) break;
      await handle.write(chunk);
    }
    complete = bytes <= maxBytes;
    if (complete) await handle.sync();
  } finally {
    await handle.close();
    if (!complete) await rm(temp, { force: true });
  }
  if (!complete) return { kind: 'too-large', bytes };
  await rename(temp, path);
  return { kind: 'saved', path, bytes };
}
