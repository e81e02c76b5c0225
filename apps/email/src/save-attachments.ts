import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '@nanobot/log';

export type AttachmentRules = {
  /** nanobot's allowedAttachmentTypes: MIME patterns (`image/*`, `*`); empty saves none. */
  allowedTypes: string[];
  /** The smaller of nanobot's maxAttachmentSize and our maxMediaMb, in bytes. */
  maxBytes: number;
  maxCount: number;
};

export type MailAttachment = { filename?: string; contentType: string; content: Buffer; size?: number };

const typeAllowed = (patterns: readonly string[], type: string) =>
  patterns.some((p) => p === '*' || p.toLowerCase() === type.toLowerCase() || (p.endsWith('/*') && type.toLowerCase().startsWith(p.slice(0, -1).toLowerCase())));

/** A file name that stays inside the folder whatever the sender called it. */
const safeName = (name: string | undefined) => basename(name ?? 'attachment').replace(/[^\w.-]+/g, '_').slice(-100) || 'attachment';

/**
 * Saves the attachments of an accepted mail into the media folder, each under a name made of
 * the mail's source id, so a mail read again overwrites its own files instead of adding copies.
 * Returns the saved paths and a note for each one left out (type, size, count).
 */
export async function saveAttachments(
  attachments: readonly MailAttachment[], sourceId: string, dir: string, rules: AttachmentRules, log: Logger,
): Promise<{ paths: string[]; notes: string[] }> {
  const paths: string[] = [];
  const notes: string[] = [];
  for (const [index, file] of attachments.entries()) {
    const name = safeName(file.filename);
    const size = file.size ?? file.content.length;
    if (!typeAllowed(rules.allowedTypes, file.contentType)) notes.push(`${name} - type ${file.contentType} not saved`);
    else if (paths.length >= rules.maxCount) notes.push(`${name} - too many attachments`);
    else if (size > rules.maxBytes) notes.push(`${name} - too large`);
    else {
      await mkdir(dir, { recursive: true });
      const prefix = createHash('sha256').update(sourceId).digest('hex').slice(0, 12);
      const path = join(dir, `${prefix}-${String(index)}-${name}`);
      await writeFile(path, file.content);
      paths.push(path);
      continue;
    }
    log.debug({ sourceId, index, size }, 'email attachment not saved');
  }
  return { paths, notes };
}
