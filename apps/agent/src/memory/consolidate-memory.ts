import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AppError } from '@nanobot/core';
import type { ChatModel } from '../llm/chat-types.js';
import type { HistoryEntry } from '../session-store.js';
import { createLocalLock, type MemoryLock } from './memory-lock.js';

export type MemoryDeps = {
  workspace: string;
  model: ChatModel;
  /** Shared by every writer of the workspace's memory (all agent processes of the cluster); default: this process only. */
  lock?: MemoryLock;
};

/** Consolidations that found MEMORY.md changed under them ask the model again, this many times in all. */
const maxRounds = 4;

type Consolidation = { historyEntry: string; memoryUpdate: string };

function toPrompt(memory: string, entries: HistoryEntry[]): string {
  // Tool results are long and said again in the answers; the calls are named, as nanobot does.
  const conversation = entries
    .filter((e) => e.role !== 'tool' && (e.content !== '' || (e.tool_calls?.length ?? 0) > 0))
    .map((e) => {
      const tools = e.tool_calls === undefined ? '' : ` [tools: ${e.tool_calls.map((c) => c.function.name).join(', ')}]`;
      return `[${e.timestamp.slice(0, 16).replace('T', ' ')}] ${e.role.toUpperCase()}${tools}: ${e.content}`;
    })
    .join('\n');
  return `You are a memory consolidation agent. Process this conversation and return a JSON object with exactly two keys:

1. "history_entry": A paragraph (2-5 sentences) summarizing the key events, decisions and topics. Start with a timestamp like [YYYY-MM-DD HH:MM]. Include enough detail to be useful when found by grep search later.

2. "memory_update": The updated long-term memory content. Add any new durable facts: user location, preferences, personal info, habits, project context, technical decisions, tools and services used. If nothing new, return the existing content unchanged.

## Current Long-term Memory
${memory === '' ? '(empty)' : memory}

## Conversation to Process
${conversation}

Respond with ONLY valid JSON, no markdown fences.`;
}

/** The model's JSON, tolerating code fences and text around the object. */
export function parseConsolidation(text: string): Consolidation {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start !== -1 && end > start) {
    try {
      const value = JSON.parse(text.slice(start, end + 1)) as { history_entry?: unknown; memory_update?: unknown };
      if (typeof value.history_entry === 'string' && typeof value.memory_update === 'string') {
        return { historyEntry: value.history_entry, memoryUpdate: value.memory_update };
      }
    } catch {
      // Falls through to the error below, which says what was expected.
    }
  }
  throw new AppError('LLM_REJECTED', 'memory consolidation answer is not the expected JSON', { details: { expected: 'history_entry, memory_update' } });
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/**
 * nanobot's memory: an LLM summary of older messages is appended to
 * `memory/HISTORY.md` (a grep-able log) and the durable facts replace
 * `memory/MEMORY.md` (written atomically), which the system prompt includes.
 *
 * MEMORY.md is shared by every session: the model rewrites it from the version it
 * was shown, so two sessions consolidating at once would each write their own
 * rewrite and the later one would drop what the earlier one added. So the write is a
 * compare-and-swap under the workspace's lock: it goes ahead only if MEMORY.md is
 * still what the model saw, else the model is asked again with the current file.
 * The lock is held for the file work only, never across a model call, so one slow
 * or failing model call does not hold up the other sessions.
 */
export function createMemoryConsolidator(deps: MemoryDeps) {
  const dir = join(deps.workspace, 'memory');
  const memoryPath = join(dir, 'MEMORY.md');
  const historyPath = join(dir, 'HISTORY.md');
  const lock = deps.lock ?? createLocalLock();

  /** Writes the consolidation if MEMORY.md is still `seen`; false when another consolidation changed it. */
  const writeIfUnchanged = (seen: string, { historyEntry, memoryUpdate }: Consolidation) =>
    lock(async () => {
      if ((await readOptional(memoryPath)).trim() !== seen) return false;
      await mkdir(dir, { recursive: true });
      await appendFile(historyPath, `${historyEntry.trim()}\n\n`, 'utf8');
      if (memoryUpdate.trim() !== seen) {
        const temp = `${memoryPath}.${randomUUID()}.tmp`;
        await writeFile(temp, `${memoryUpdate.trim()}\n`, 'utf8');
        await rename(temp, memoryPath);
      }
      return true;
    });

  return {
    async consolidate(entries: HistoryEntry[], signal: AbortSignal): Promise<void> {
      if (entries.length === 0) return;
      for (let round = 1; round <= maxRounds; round += 1) {
        const memory = (await readOptional(memoryPath)).trim();
        const result = await deps.model.complete({ messages: [{ role: 'user', content: toPrompt(memory, entries) }] }, { signal });
        if (await writeIfUnchanged(memory, parseConsolidation(result.text))) return;
      }
      throw new AppError('INTERNAL', `memory changed under this consolidation ${maxRounds} times, keeping the session as it is`);
    },
  };
}

export type MemoryConsolidator = ReturnType<typeof createMemoryConsolidator>;
