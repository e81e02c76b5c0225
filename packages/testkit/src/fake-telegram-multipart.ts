import type { Params } from './fake-telegram-http.js';

/** A file part of a multipart request. */
export type UploadedFile = { upload: true; filename: string; bytes: Buffer };

export const isUpload = (value: unknown): value is UploadedFile =>
  typeof value === 'object' && value !== null && (value as { upload?: unknown }).upload === true;

/**
 * Parses a `multipart/form-data` body as the Bot API accepts it (grammY writes one part per
 * field, and one per file named by a random id that the fields reference as `attach://<id>`):
 * value parts become strings, file parts `UploadedFile`s, and `attach://` references in fields
 * (also inside a JSON `media` array) are replaced by the file; a file part is also a parameter
 * of its own name. A string on failure.
 */
export function parseMultipart(contentType: string, body: Buffer): Params | string {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const mark = boundary?.[1] ?? boundary?.[2];
  if (mark === undefined) return 'multipart/form-data without a boundary';
  const delimiter = Buffer.from(`--${mark}`);
  const fields: Params = {};
  const files = new Map<string, UploadedFile>();
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) return 'multipart body is not terminated';
    const part = body.subarray(start + 2, next - 2); // after the CRLF, before the CRLF of the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) return 'multipart part without headers';
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) return 'multipart part without a name';
    const filename = /filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(headers);
    if (filename === null) fields[name] = content.toString('utf8');
    else files.set(name, { upload: true, filename: filename[1] ?? filename[2] ?? '', bytes: Buffer.from(content) });
    at = next;
  }
  return resolveAttachments(fields, files);
}

function attached(value: unknown, files: Map<string, UploadedFile>): unknown {
  if (typeof value !== 'string' || !value.startsWith('attach://')) return value;
  return files.get(value.slice('attach://'.length)) ?? value;
}

function resolveAttachments(fields: Params, files: Map<string, UploadedFile>): Params {
  // A file part is also a parameter under its own name (`photo`, or OpenAI's `file`).
  const params: Params = Object.fromEntries(files);
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'media' && typeof value === 'string' && value.startsWith('[')) {
      try {
        const items = JSON.parse(value) as unknown[];
        params[key] = items.map((item) =>
          typeof item === 'object' && item !== null ? { ...item, media: attached((item as { media?: unknown }).media, files) } : item,
        );
        continue;
      } catch {
        // Not JSON after all: kept as the string, and the method refuses it.
      }
    }
    params[key] = attached(value, files);
  }
  return params;
}
