import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nanobot/log';
import type { DiscordMessage } from './to-inbound.js';

type Attachment = NonNullable<DiscordMessage['attachments']>[number];

const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 100) || 'attachment';

/**
 * Downloads a message's attachments to `<media>/discord/<channel>/<attachment id>_<name>`, each
 * at most `maxBytes` (larger ones are named in the text, not fetched). The same attachment
 * lands on the same path, so a message handled twice writes the same file. Returns the paths
 * and the markers the text gets (nanobot's `[attachment: …]`).
 */
export async function fetchAttachments(
  attachments: Attachment[],
  options: { mediaDir: string; channelId: string; maxBytes: number; log: Logger; signal?: AbortSignal },
): Promise<{ paths: string[]; markers: string[] }> {
  const paths: string[] = [];
  const markers: string[] = [];
  for (const attachment of attachments) {
    const name = safeName(attachment.filename);
    if (attachment.size > options.maxBytes) {
      markers.push(`[attachment: ${name} - too large]`);
      continue;
    }
    try {
      const response = await fetch(attachment.url, { signal: AbortSignal.any([AbortSignal.timeout(30_000), ...(options.signal ? [options.signal] : [])]) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      if (body.length > options.maxBytes) throw new Error('larger than announced');
      const dir = join(options.mediaDir, 'discord', options.channelId.replace(/\D/g, ''));
      await mkdir(dir, { recursive: true });
      const path = join(dir, `${attachment.id.replace(/\D/g, '')}_${name}`);
      await writeFile(path, body);
      paths.push(path);
      markers.push(`[attachment: ${path}]`);
    } catch (err) {
      options.log.warn({ err, attachmentId: attachment.id }, 'could not download a Discord attachment');
      markers.push(`[attachment: ${name} - download failed]`);
    }
  }
  return { paths, markers };
}
