import { withRuntimeContext } from '../context/runtime-context.js';
import type { ChatMessage } from '../llm/chat-types.js';
import type { HistoryEntry } from '../session-store.js';
import { truncateResult } from '../tools/tool-registry.js';

/** nanobot's cap on a tool result kept in the session file (`maxToolResultChars`). */
export const maxStoredToolResultChars = 16_000;

/** The turn's tool calls and results as session lines (nanobot's format). */
export function toToolEntries(transcript: ChatMessage[], meta: { timestamp: string; inboundId: string }): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const m of transcript) {
    if (m.role === 'assistant' && m.toolCalls !== undefined && m.toolCalls.length > 0) {
      const toolCalls = m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.argumentsJson } }));
      entries.push({ role: 'assistant', content: m.content, tool_calls: toolCalls, ...meta });
    } else if (m.role === 'tool') {
      const content = truncateResult(m.content, maxStoredToolResultChars);
      entries.push({ role: 'tool', content, tool_call_id: m.toolCallId, name: m.name, ...meta });
    }
  }
  return entries;
}

/** The answer of the turn of `inboundId` (not one of its tool-call steps), if it is stored. */
export function findAnswer(history: HistoryEntry[], inboundId: string): HistoryEntry | undefined {
  return history.find((e) => e.inboundId === inboundId && e.role === 'assistant' && (e.tool_calls === undefined || e.tool_calls.length === 0));
}

/**
 * The recent history as the model sees it: starting at a user message (a window cut in the
 * middle of a turn would start with tool results whose calls are missing, which providers
 * refuse), and only tool results whose call is there, each once.
 */
export function toChatHistory(entries: HistoryEntry[]): ChatMessage[] {
  const start = entries.findIndex((e) => e.role === 'user');
  if (start === -1) return [];
  const declared = new Set<string>();
  const answered = new Set<string>();
  const messages: ChatMessage[] = [];
  for (const e of entries.slice(start)) {
    switch (e.role) {
      case 'user':
        // With the runtime context it was sent with: the message reads the same as in its own turn (a cacheable prefix).
        messages.push({ role: 'user', content: withRuntimeContext(e.content, e.runtimeContext) });
        break;
      case 'assistant': {
        const calls = (e.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, argumentsJson: c.function.arguments }));
        for (const c of calls) declared.add(c.id);
        messages.push(calls.length > 0 ? { role: 'assistant', content: e.content, toolCalls: calls } : { role: 'assistant', content: e.content });
        break;
      }
      case 'tool': {
        const id = e.tool_call_id ?? '';
        if (!declared.has(id) || answered.has(id)) break;
        answered.add(id);
        messages.push({ role: 'tool', toolCallId: id, name: e.name ?? '', content: e.content });
        break;
      }
      default: {
        const never: never = e.role;
        throw new Error(`unknown session role ${String(never)}`);
      }
    }
  }
  return messages;
}
