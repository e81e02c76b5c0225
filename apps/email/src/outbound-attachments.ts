import { stat } from 'node:fs/promises';
import { basename } from 'node:path';

export type OutboundLimits = { maxCount: number; maxBytes: number };

/**
 * nanobot's rules for files sent with a reply: at most maxCount, each at most maxBytes, and a
 * file that cannot be attached becomes a note under the text instead of failing the reply.
 */
export async function toAttachments(paths: readonly string[], limits: OutboundLimits): Promise<{ files: { filename: string; path: string }[]; notes: string[] }> {
  const files: { filename: string; path: string }[] = [];
  const notes: string[] = [];
  for (const path of paths) {
    const filename = basename(path) || 'attachment';
    if (files.length >= limits.maxCount) {
      notes.push(`[attachment: ${filename} - too many attachments]`);
      continue;
    }
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) notes.push(`[attachment: ${filename} - send failed]`);
    else if (info.size > limits.maxBytes) notes.push(`[attachment: ${filename} - too large]`);
    else files.push({ filename, path });
  }
  return { files, notes };
}
