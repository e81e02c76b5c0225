import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TokenUsage } from './llm/chat-types.js';

/** A tool call as nanobot (OpenAI's format) keeps it in the session file. */
export type StoredToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

/**
 * One line of a session file, in nanobot's format: `user`, `assistant` (with `tool_calls` when
 * it asked for tools) and `tool` (a call's result, `tool_call_id` and `name`), plus fields of
 * ours that nanobot ignores (`inboundId`, `injectedInto`, `runtimeContext`, `usage`, `replySuppressed`).
 */
export type HistoryEntry = {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  timestamp: string;
  /** The inbound message this entry belongs to; makes re-runs idempotent. */
  inboundId: string;
  /** A user message that joined the running turn of another inbound message. */
  injectedInto?: string;
  /** The runtime context block sent after this user message (ours), so later turns send it unchanged. */
  runtimeContext?: string;
  /** Tokens the turn used (assistant entries), for `/status`. */
  usage?: TokenUsage;
  tool_calls?: StoredToolCall[];
  tool_call_id?: string;
  name?: string;
  /** The turn's answer, not sent because the `message` tool had already written to the chat. */
  replySuppressed?: boolean;
};

const isEntry = (line: Partial<HistoryEntry>): boolean => {
  if (typeof line.content !== 'string') return false;
  if (line.role === 'user' || line.role === 'assistant') return true;
  return line.role === 'tool' && typeof line.tool_call_id === 'string';
};

/** Session key → file name: nanobot's `channel_chat` style, safe on any filesystem. */
export function toSessionFileName(sessionKey: string): string {
  return `${sessionKey.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`;
}

function parseLines(text: string): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let parsed: Partial<HistoryEntry> & { _type?: string };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch (err) {
      // Only the last line can be partial: a reader (/status) raced the lease holder's append.
      if (index === lines.length - 1) continue;
      throw err;
    }
    if (parsed._type === 'metadata') continue;
    if (isEntry(parsed)) entries.push(parsed as HistoryEntry);
  }
  return entries;
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * nanobot's session files: JSONL per session key in `<workspace>/sessions`, a
 * metadata line first, then one message per line. Only the holder of a
 * session's lease writes to it, so appends never interleave; rewrites go
 * through a temporary file and a rename, so a reader never sees half a file.
 */
export function createSessionStore(workspace: string) {
  const dir = join(workspace, 'sessions');
  const pathOf = (sessionKey: string) => join(dir, toSessionFileName(sessionKey));
  const header = (sessionKey: string) =>
    `${JSON.stringify({ _type: 'metadata', key: sessionKey, created_at: new Date().toISOString() })}\n`;
  const toLines = (entries: HistoryEntry[]) => entries.map((e) => `${JSON.stringify(e)}\n`).join('');

  async function readAll(sessionKey: string): Promise<HistoryEntry[]> {
    try {
      return parseLines(await readFile(pathOf(sessionKey), 'utf8'));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  return {
    readAll,
    async append(sessionKey: string, entries: HistoryEntry[]): Promise<void> {
      await mkdir(dir, { recursive: true });
      const path = pathOf(sessionKey);
      const exists = await stat(path).then(
        () => true,
        (err: unknown) => (isMissing(err) ? false : Promise.reject(err)),
      );
      await appendFile(path, (exists ? '' : header(sessionKey)) + toLines(entries), 'utf8');
    },
    /** Replaces the session's messages (after consolidation) atomically. */
    async rewrite(sessionKey: string, entries: HistoryEntry[]): Promise<void> {
      await mkdir(dir, { recursive: true });
      const path = pathOf(sessionKey);
      const temp = `${path}.${randomUUID()}.tmp`;
      await writeFile(temp, header(sessionKey) + toLines(entries), 'utf8');
      await rename(temp, path);
    },
    /** `/new`: the old file is kept beside, renamed with a timestamp. */
    async archive(sessionKey: string): Promise<void> {
      const path = pathOf(sessionKey);
      try {
        await rename(path, `${path}.${Date.now()}.archived`);
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
