import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isAppError } from '@nanobot/core';
import type { ContentPart } from '../llm/chat-types.js';
import { sniffImageType } from '../media/describe-file.js';
import type { PathGuard } from '../tools/protected-paths.js';

const imageTypes: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** `[image: /path/to/file.jpg]` as the channel workers write a received photo into the text. */
const imageRef = /\[image:\s*([^\]]+?)\s*\]/g;

export function findImageRefs(text: string, media: string[]): string[] {
  const paths = [...text.matchAll(imageRef)].map((m) => m[1] ?? '');
  return [...new Set([...paths, ...media.filter((p) => extname(p).toLowerCase() in imageTypes)])].filter((p) => p !== '');
}

/** The real path to read, or undefined when the guard refuses it (the text reference stays). */
async function allowedPath(guard: PathGuard, ref: string): Promise<string | undefined> {
  try {
    return await guard.resolve(ref, 'read');
  } catch (err) {
    if (isAppError(err, 'TOOL_FAILED')) return undefined;
    throw err;
  }
}

/**
 * The user's message as the model gets it: plain text, or for a vision-capable
 * model the text followed by the referenced images (base64). A reference is anyone's
 * text, so it is read only through the tools' path guard: `[image: ~/.nanobot/config.json]`
 * is refused like the model's own read_file would be. An image that cannot be read (or may
 * not be, or is not really a PNG, JPEG, GIF or WebP) is named in the text as unreadable, so
 * the turn still runs and the model can say so; its type comes from its bytes, not its name.
 */
export async function toUserContent(options: {
  text: string;
  media: string[];
  vision: boolean;
  guard: PathGuard;
}): Promise<string | ContentPart[]> {
  let text = options.text === '' ? '[empty message]' : options.text;
  if (!options.vision) return text;
  const images: ContentPart[] = [];
  const unreadable: string[] = [];
  for (const ref of findImageRefs(options.text, options.media)) {
    if (imageTypes[extname(ref).toLowerCase()] === undefined) continue;
    const path = await allowedPath(options.guard, ref);
    if (path === undefined) continue;
    try {
      const mediaType = await sniffImageType(path);
      if (mediaType === undefined) {
        unreadable.push(`[image ${ref} could not be read: not a PNG, JPEG, GIF or WebP image]`);
        continue;
      }
      const data = await readFile(path);
      images.push({ type: 'image', mediaType, base64: data.toString('base64') });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      unreadable.push(`[image ${ref} could not be read: ${code === 'ENOENT' ? 'the file is gone' : code}]`);
    }
  }
  if (unreadable.length > 0) text = [text, ...unreadable].join('\n');
  return images.length === 0 ? text : [{ type: 'text', text }, ...images];
}
