import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';

/** Extensions whose files are text a tool can read (summarised by path, never inlined whole). */
const textTypes = new Set(['.txt', '.md', '.markdown', '.csv', '.tsv', '.json', '.jsonl', '.yaml', '.yml', '.xml', '.log', '.ini', '.toml', '.html', '.htm']);
export const imageExtensions = new Set(['.png', '.jpg', '.jpeg', '.gif', '.webp']);
export const audioExtensions = new Set(['.ogg', '.oga', '.opus', '.mp3', '.m4a', '.wav', '.flac', '.aac', '.webm']);

const sizeOf = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** The first bytes of a file (at most `length`). */
async function head(path: string, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The display name: the sender's file name without the message id the channel put in front. */
export const displayName = (path: string) => basename(path).replace(/^\d+-/, '');

/**
 * One line that names a received file and its path, so the model can use the file tools on it;
 * text documents get their size in lines and first line, PDFs their page count: a summary by
 * path, never the content inlined whole. A file that cannot be read is named as such.
 */
export async function describeFile(path: string, kind = 'file'): Promise<string> {
  const name = displayName(path);
  const ext = extname(path).toLowerCase();
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch {
    return `[${kind}: ${name} at ${path} (could not be read)]`;
  }
  if (textTypes.has(ext)) {
    const sample = (await head(path, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
    const lines = sample.split('\n').length - (sample.endsWith('\n') ? 1 : 0);
    const first = sample.split('\n', 1)[0]?.trim().slice(0, 120) ?? '';
    const count = bytes > sample.length ? `${lines}+ lines` : `${lines} lines`;
    return `[document: ${name}, text, ${sizeOf(bytes)}, ${count}${first === '' ? '' : `, starting "${first}"`}; read it with read_file at ${path}]`;
  }
  if (ext === '.pdf') {
    const sample = (await head(path, 4 * 1024 * 1024).catch(() => Buffer.alloc(0))).toString('latin1');
    const pages = (sample.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    return `[document: ${name}, PDF, ${sizeOf(bytes)}${pages > 0 ? `, ${pages} page${pages === 1 ? '' : 's'}` : ''}; its text layer can be extracted from ${path}]`;
  }
  return `[${kind}: ${name}, ${sizeOf(bytes)}, at ${path}]`;
}

/** The image type a file really is, from its first bytes; undefined when it is none of the four the models take. */
export async function sniffImageType(path: string): Promise<string | undefined> {
  const bytes = await head(path, 16);
  if (bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}
