import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AppError } from '@nanobot/core';
import type { ChatModel } from '../llm/chat-types.js';
import type { HistoryEntry } from '../session-store.js';

export type MemoryDeps = {
  workspace: string;
  model: ChatModel;
};

type Consolidation = { historyEntry: string; memoryUpdate: string };

function toPrompt(memory: string, entries: HistoryEntry[]): string {
  const conversation = entries.map((e) => `[${e.timestamp.slice(0, 16).replace('T', ' ')}] ${e.role.toUpperCase()}: ${e.content}`).join('\n');
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
 */
export function createMemoryConsolidator(deps: MemoryDeps) {
  const dir = join(deps.workspace, 'memory');
  const memoryPath = join(dir, 'MEMORY.md');
  const historyPath = join(dir, 'HISTORY.md');
  return {
    async consolidate(entries: HistoryEntry[], signal: AbortSignal): Promise<void> {
      if (entries.length === 0) return;
      const memory = (await readOptional(memoryPath)).trim();
      const result = await deps.model.complete({ messages: [{ role: 'user', content: toPrompt(memory, entries) }] }, { signal });
      const { historyEntry, memoryUpdate } = parseConsolidation(result.text);
      await mkdir(dir, { recursive: true });
      await appendFile(historyPath, `${historyEntry.trim()}\n\n`, 'utf8');
      if (memoryUpdate.trim() !== memory) {
        const temp = `${memoryPath}.${randomUUID()}.tmp`;
        await writeFile(temp, `${memoryUpdate.trim()}\n`, 'utf8');
        await rename(temp, memoryPath);
      }
    },
  };
}

export type MemoryConsolidator = ReturnType<typeof createMemoryConsolidator>;
