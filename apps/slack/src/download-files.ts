import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nanobot/log';

export type FileDownloadOptions = {
  botToken: string;
  /** Where files go (`$NANOBOT_HOME/media/slack`). */
  dir: string;
  /** Hosts a file may come from: Slack's file hosts, plus the apiBase's host (a proxy, a test). */
  hosts: string[];
  maxBytes: number;
  log: Logger;
  fetchFn?: typeof fetch;
};

type SlackFile = { id?: unknown; name?: unknown; mimetype?: unknown; size?: unknown; url_private_download?: unknown; url_private?: unknown };

export const slackFileHosts = (apiBase: string) => ['files.slack.com', 'slack-files.com', new URL(apiBase).host];

const safeName = (value: string) => value.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'file';

/**
 * Downloads the files of a message (url_private_download, with the bot token, as Slack asks),
 * only from Slack's own hosts so the token goes nowhere else, and only up to `maxBytes`. Each file
 * comes back as a path, or as a note saying why not; a failed download never loses the message.
 */
export function createFileDownloader(options: FileDownloadOptions) {
  const fetchFn = options.fetchFn ?? fetch;
  return async function download(files: unknown): Promise<{ paths: string[]; notes: string[] }> {
    const paths: string[] = [];
    const notes: string[] = [];
    if (!Array.isArray(files)) return { paths, notes };
    for (const raw of files as SlackFile[]) {
      const name = typeof raw.name === 'string' ? raw.name : 'file';
      const url = typeof raw.url_private_download === 'string' ? raw.url_private_download : typeof raw.url_private === 'string' ? raw.url_private : undefined;
      const id = typeof raw.id === 'string' ? raw.id : 'F';
      if (typeof raw.size === 'number' && raw.size > options.maxBytes) {
        notes.push(`[file: ${name} (too large)]`);
        continue;
      }
      let target: URL | undefined;
      try {
        target = url === undefined ? undefined : new URL(url);
      } catch {
        target = undefined;
      }
      if (target === undefined || !options.hosts.includes(target.host)) {
        notes.push(`[file: ${name} (not downloaded)]`);
        continue;
      }
      try {
        const response = await fetchFn(target, { headers: { authorization: `Bearer ${options.botToken}` }, redirect: 'error', signal: AbortSignal.timeout(30_000) });
        const type = response.headers.get('content-type') ?? '';
        if (!response.ok || type.startsWith('text/html')) throw new Error(`HTTP ${response.status} ${type}`);
        const body = Buffer.from(await response.arrayBuffer());
        if (body.length > options.maxBytes) {
          notes.push(`[file: ${name} (too large)]`);
          continue;
        }
        await mkdir(options.dir, { recursive: true, mode: 0o700 });
        const path = join(options.dir, `${safeName(id)}-${safeName(name)}`);
        await writeFile(path, body, { mode: 0o600 });
        paths.push(path);
      } catch (err) {
        options.log.warn({ err: err instanceof Error ? err.message : String(err), fileId: id }, 'could not download a slack file');
        notes.push(`[file: ${name} (download failed)]`);
      }
    }
    return { paths, notes };
  };
}

export type FileDownloader = ReturnType<typeof createFileDownloader>;
