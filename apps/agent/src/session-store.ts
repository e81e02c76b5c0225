import { appendFile, mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export type HistoryEntry = {
  role: 'user' | 'assistant';
  content: string;
  timestamp: string;
  /** The inbound message this entry belongs to; makes appends idempotent. */
  inboundId: string;
};

/** Session key → file name: nanobot's `channel_chat` style, safe on any filesystem. */
export function toSessionFileName(sessionKey: string): string {
  return `${sessionKey.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`;
}

/**
 * nanobot's session files: JSONL per session key in `<workspace>/sessions`, a
 * metadata line first, then one message per line. Only the holder of a
 * session's lease writes to it, so appends never interleave.
 */
export function createSessionStore(workspace: string) {
  const dir = join(workspace, 'sessions');
  const pathOf = (sessionKey: string) => join(dir, toSessionFileName(sessionKey));

  async function readAll(sessionKey: string): Promise<HistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(pathOf(sessionKey), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const parsed = JSON.parse(line) as Partial<HistoryEntry> & { _type?: string };
      if (parsed._type === 'metadata') continue;
      if ((parsed.role === 'user' || parsed.role === 'assistant') && typeof parsed.content === 'string') {
        entries.push(parsed as HistoryEntry);
      }
    }
    return entries;
  }

  return {
    readAll,
    async recent(sessionKey: string, window: number): Promise<HistoryEntry[]> {
      const all = await readAll(sessionKey);
      return all.slice(Math.max(0, all.length - window));
    },
    async append(sessionKey: string, entries: HistoryEntry[]): Promise<void> {
      await mkdir(dir, { recursive: true });
      const path = pathOf(sessionKey);
      const existing = await readAll(sessionKey);
      const header =
        existing.length === 0
          ? `${JSON.stringify({ _type: 'metadata', key: sessionKey, created_at: new Date().toISOString() })}\n`
          : '';
      await appendFile(path, header + entries.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
    },
    /** `/new`: the old file is kept beside, renamed with a timestamp. */
    async archive(sessionKey: string): Promise<void> {
      const path = pathOf(sessionKey);
      try {
        await rename(path, `${path}.${Date.now()}.archived`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
