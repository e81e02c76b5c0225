import type { IncomingMessage, ServerResponse } from 'node:http';

export type ResponseParameters = { retry_after?: number; migrate_to_chat_id?: number };

/** The Bot API response envelope: https://core.telegram.org/bots/api#making-requests */
export type ApiResult =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: ResponseParameters };

export function succeed(result: unknown): ApiResult {
  return { ok: true, result };
}

export function fail(errorCode: number, description: string, parameters?: ResponseParameters): ApiResult {
  return parameters ? { ok: false, error_code: errorCode, description, parameters } : { ok: false, error_code: errorCode, description };
}

export type Params = Record<string, unknown>;

/** Uploads go up to 50 MB on the Bot API; a little more is read so that an oversize one can be told. */
const maxBodyBytes = 60 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(contentType: string, body: string): Params | string {
  if (body.trim() === '') return {};
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body));
  }
  if (contentType.includes('multipart/form-data')) return 'multipart/form-data is not supported by the fake';
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Params;
    return 'the JSON body must be an object';
  } catch {
    // The message is not needed: the client only learns that its JSON was invalid.
    return "can't parse JSON object";
  }
}

/** Query-string parameters merged with the body's (JSON or form); the body wins. */
export function toParams(url: URL, contentType: string, body: string): Params | string {
  const parsed = parseBody(contentType, body);
  if (typeof parsed === 'string') return parsed;
  return { ...Object.fromEntries(url.searchParams), ...parsed };
}

/** Integers arrive as numbers (JSON) or strings (query, form). */
export function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Objects arrive as objects (JSON) or JSON-serialized strings (query, form). */
export function toObject(value: unknown): Params | undefined {
  let candidate = value;
  if (typeof value === 'string') {
    try {
      candidate = JSON.parse(value);
    } catch {
      // Not JSON: the parameter is treated as absent, as Telegram ignores it.
      return undefined;
    }
  }
  return typeof candidate === 'object' && candidate !== null && !Array.isArray(candidate) ? (candidate as Params) : undefined;
}

export function toArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    // Not JSON: treated as absent.
    return undefined;
  }
}

export function toBoolean(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1';
}

export function writeResult(res: ServerResponse, result: ApiResult): void {
  if (res.destroyed || res.writableEnded) return;
  const code = result.ok ? 200 : result.error_code;
  // A fault may name any number; Node only writes real HTTP statuses.
  const status = code >= 100 && code <= 599 ? code : 500;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(result));
}
