import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { get as httpGet, type Agent, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { extname, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GrammyError, type Api } from 'grammy';
import { AppError } from '@nanobot/core';
import { toTelegramError } from '../telegram-errors.js';
import type { MediaRef } from './media-refs.js';

/** A downloaded file, or why it was not. */
export type Download =
  | { kind: 'saved'; path: string; bytes: number }
  | { kind: 'too-large'; bytes?: number }
  | { kind: 'refused'; reason: string };

export type DownloaderDeps = {
  api: Api;
  token: string;
  /** `channels.telegram.apiRoot`, default Telegram's. */
  apiRoot?: string;
  /** The proxy agent of `channels.telegram.proxy`, if any (downloads go the same way as API calls). */
  agent?: Agent;
  /** `<workspace>/media/telegram`. */
  mediaDir: string;
  maxBytes: number;
  timeoutMs?: number;
};

const extByMime: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'application/pdf': '.pdf',
  'application/x-tgsticker': '.tgs',
};

/** Only letters, digits, dot, dash and underscore, never a leading dot: a name, never a path. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-120) || 'file';

/**
 * The file's name in the chat's folder: fixed by the message and Telegram's unique file id, so a
 * redelivered update writes the same file again instead of a second copy.
 */
export function fileNameOf(messageId: number, ref: MediaRef, filePath: string | undefined): string {
  if (ref.fileName !== undefined) return `${messageId}-${safeName(ref.fileName)}`;
  const ext = (filePath === undefined ? '' : extname(filePath)) || extByMime[ref.mimeType ?? ''] || '.bin';
  return `${messageId}-${ref.kind}-${safeName(ref.fileUniqueId)}.${safeName(ext.slice(1))}`;
}

function fetchStream(url: string, agent: Agent | undefined, timeoutMs: number): Promise<IncomingMessage> {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const request = get(url, { ...(agent === undefined ? {} : { agent }), timeout: timeoutMs }, resolve);
    request.on('timeout', () => request.destroy(new Error('download timed out')));
    request.on('error', reject);
  });
}

/**
 * Downloads a received file (getFile, then `{apiRoot}/file/bot<token>/<file_path>`) into the
 * chat's media folder, capped at `maxBytes` while it streams (Telegram's `file_size` is checked
 * first when it is given). Written to a temporary name and renamed, so a crash leaves no half
 * file under the real name. Telegram or the network away throws CHANNEL_UNAVAILABLE: the update
 * stays unconfirmed and comes again. A file Telegram will not give (too big for the Bot API, an
 * expired id) is a `refused` or `too-large` answer, never a stuck update.
 */
export function createDownloader(deps: DownloaderDeps) {
  const root = (deps.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const timeoutMs = deps.timeoutMs ?? 120_000;

  async function filePath(ref: MediaRef): Promise<string | Download> {
    try {
      const file = await deps.api.getFile(ref.fileId);
      if (file.file_path === undefined) return { kind: 'refused', reason: 'Telegram gave no path for the file' };
      if (file.file_size !== undefined && file.file_size > deps.maxBytes) return { kind: 'too-large', bytes: file.file_size };
      return file.file_path;
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 400) {
        if (/too big/i.test(err.description)) return { kind: 'too-large', ...(ref.fileSize === undefined ? {} : { bytes: ref.fileSize }) };
        return { kind: 'refused', reason: err.description };
      }
      throw toTelegramError(err, 'getFile', 0);
    }
  }

  return async function download(at: { chatId: string; messageId: number; ref: MediaRef }): Promise<Download> {
    const { ref } = at;
    if (ref.fileSize !== undefined && ref.fileSize > deps.maxBytes) return { kind: 'too-large', bytes: ref.fileSize };
    const path = await filePath(ref);
    if (typeof path !== 'string') return path;
    const dir = join(deps.mediaDir, safeName(at.chatId));
    const target = join(dir, fileNameOf(at.messageId, ref, path));
    const existing = await stat(target).catch(() => undefined);
    if (existing !== undefined && (ref.fileSize === undefined || existing.size === ref.fileSize)) return { kind: 'saved', path: target, bytes: existing.size };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // A local Bot API server (`--local`) answers with the file's path on its own disk.
    if (isAbsolute(path)) return copyLocal(path, target, dir, deps.maxBytes);
    let response: IncomingMessage;
    try {
      response = await fetchStream(`${root}/file/bot${deps.token}/${path}`, deps.agent, timeoutMs);
    } catch (cause) {
      // The URL carries the token: the error keeps only what failed.
      throw new AppError('CHANNEL_UNAVAILABLE', 'downloading a telegram file failed', { cause: stripped(cause), details: { method: 'file' } });
    }
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      response.resume();
      if (status >= 400 && status < 500) return { kind: 'refused', reason: `Telegram answered ${status} for the file` };
      throw new AppError('CHANNEL_UNAVAILABLE', `telegram answered ${status} for a file download`, { details: { method: 'file', status } });
    }
    const temp = join(dir, `.${randomBytes(6).toString('hex')}.part`);
    let bytes = 0;
    let tooLarge = false;
    try {
      await pipeline(
        response,
        async function* cap(source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            if (bytes > deps.maxBytes) {
              tooLarge = true;
              return;
            }
            yield chunk;
          }
        },
        createWriteStream(temp, { mode: 0o600 }),
      );
    } catch (cause) {
      await rm(temp, { force: true });
      throw new AppError('CHANNEL_UNAVAILABLE', 'a telegram file download broke off', { cause: stripped(cause), details: { method: 'file' } });
    }
    if (tooLarge) {
      response.destroy();
      await rm(temp, { force: true });
      return { kind: 'too-large', bytes };
    }
    await rename(temp, target);
    return { kind: 'saved', path: target, bytes };
  };
}

async function copyLocal(source: string, target: string, dir: string, maxBytes: number): Promise<Download> {
  const info = await stat(source).catch(() => undefined);
  if (info === undefined) return { kind: 'refused', reason: 'the local Bot API server named a file this process cannot read' };
  if (info.size > maxBytes) return { kind: 'too-large', bytes: info.size };
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.part`);
  await copyFile(source, temp);
  await rename(temp, target);
  return { kind: 'saved', path: target, bytes: info.size };
}

/** Node's errors name the URL (and so the token) in their message at most; keep the code only. */
function stripped(cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  const error = new Error(typeof code === 'string' ? code : 'network error');
  if (typeof code === 'string') Object.assign(error, { code });
  return error;
}

export type Downloader = ReturnType<typeof createDownloader>;
