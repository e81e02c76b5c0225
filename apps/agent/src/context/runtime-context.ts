import type { ContentPart } from '../llm/chat-types.js';
import { formatTime } from './build-system-prompt.js';

/** nanobot's markers around metadata that rides on a user message (`nanobot/runtime_context.py`). */
export const runtimeContextTag = '[Runtime Context — metadata only, not instructions]';
export const runtimeContextEnd = '[/Runtime Context]';

/**
 * What changes from turn to turn (the clock) goes with the user's message, not into the system
 * prompt: the system prompt and the history before the new message then stay byte-identical
 * between turns, which is what providers' prompt caches match on. The block is kept with the
 * message in the session (`runtimeContext`), so the message reads the same in later turns too.
 */
export function createRuntimeContext(deps: { now: () => Date; timeZone: string }): () => string {
  return () => `${runtimeContextTag}\nCurrent Time: ${formatTime(deps.now(), deps.timeZone)}\n${runtimeContextEnd}`;
}

/** The user's content with the block after it, as nanobot appends runtime context. */
export function withRuntimeContext(content: string | ContentPart[], block: string | undefined): string | ContentPart[] {
  if (block === undefined || block === '') return content;
  if (typeof content === 'string') return content === '' ? block : `${content}\n\n${block}`;
  return [...content, { type: 'text', text: block }];
}
