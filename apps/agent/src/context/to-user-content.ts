import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { ContentPart } from '../llm/chat-types.js';

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

/**
 * The user's message as the model gets it: plain text, or for a vision-capable
 * model the text followed by the referenced images (base64). An image that cannot
 * be read stays a text reference, so the turn still runs.
 */
export async function toUserContent(options: {
  text: string;
  media: string[];
  vision: boolean;
  workspace: string;
}): Promise<string | ContentPart[]> {
  const text = options.text === '' ? '[empty message]' : options.text;
  if (!options.vision) return text;
  const images: ContentPart[] = [];
  for (const ref of findImageRefs(options.text, options.media)) {
    const mediaType = imageTypes[extname(ref).toLowerCase()];
    if (mediaType === undefined) continue;
    try {
      const data = await readFile(resolve(options.workspace, ref));
      images.push({ type: 'image', mediaType, base64: data.toString('base64') });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // A vanished file: the model still sees the text reference.
    }
  }
  return images.length === 0 ? text : [{ type: 'text', text }, ...images];
}
