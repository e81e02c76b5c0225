import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { fail, succeed, type ApiResult, type Params } from './fake-telegram-http.js';

/** A file the fake holds: one the test put there for the bot to download, or one the bot uploaded. */
export type StoredFile = {
  fileId: string;
  fileUniqueId: string;
  bytes: Buffer;
  filePath: string;
  fileName?: string;
  mimeType?: string;
};

/** What a test gets back from `addFile`: the fields a Bot API file object has. */
export type FileRef = { file_id: string; file_unique_id: string; file_size: number };

/** Telegram's Bot API cap on getFile downloads (https://core.telegram.org/bots/api#getfile). */
const maxDownloadBytes = 20 * 1024 * 1024;

/**
 * The files of the fake Bot API: `getFile` answers a `file_path`, and
 * `{apiRoot}/file/bot<token>/<file_path>` serves the bytes, as Telegram does. Files over
 * 20 MB answer getFile with Telegram's "file is too big".
 */
export function createFileStore() {
  const byId = new Map<string, StoredFile>();
  const byPath = new Map<string, StoredFile>();
  let counter = 0;

  function add(bytes: Buffer, options: { fileName?: string; mimeType?: string; folder?: string } = {}): StoredFile {
    counter += 1;
    const unique = `U${counter}${randomBytes(3).toString('hex')}`;
    const ext = options.fileName?.includes('.') === true ? options.fileName.slice(options.fileName.lastIndexOf('.')) : '';
    const file: StoredFile = {
      fileId: `F${counter}-${randomBytes(8).toString('hex')}`,
      fileUniqueId: unique,
      bytes,
      filePath: `${options.folder ?? 'documents'}/file_${counter}${ext}`,
      ...(options.fileName === undefined ? {} : { fileName: options.fileName }),
      ...(options.mimeType === undefined ? {} : { mimeType: options.mimeType }),
    };
    byId.set(file.fileId, file);
    byPath.set(file.filePath, file);
    return file;
  }

  return {
    add,
    ref: (file: StoredFile): FileRef => ({ file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.bytes.length }),
    byId: (fileId: string) => byId.get(fileId),
    getFile(params: Params): ApiResult {
      const fileId = typeof params.file_id === 'string' ? params.file_id : '';
      const file = byId.get(fileId);
      if (file === undefined) return fail(400, 'Bad Request: invalid file_id');
      if (file.bytes.length > maxDownloadBytes) return fail(400, 'Bad Request: file is too big');
      return succeed({ file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.bytes.length, file_path: file.filePath });
    },
    /** Serves `/file/bot<token>/<path>`; true when the path was a file route. */
    serveDownload(pathname: string, token: string, res: ServerResponse): boolean {
      const match = /^\/file\/bot([^/]*)\/(.+)$/.exec(pathname);
      if (match === null) return false;
      const file = match[1] === token ? byPath.get(decodeURIComponent(match[2] ?? '')) : undefined;
      if (file === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fail(404, 'Not Found')));
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) });
      res.end(file.bytes);
      return true;
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
