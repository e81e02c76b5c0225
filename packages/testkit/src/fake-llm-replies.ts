import type { FakeReply, LlmRequest } from './fake-llm-types.js';

/** A reply with ids and token counts filled in, ready to be shaped for one API. */
export type ResolvedReply = {
  content: string;
  toolCalls: Array<{ id: string; name: string; argumentsJson: string; input: unknown }>;
  promptTokens: number;
  completionTokens: number;
  /** Set when the fake reports prompt caching (its `promptCache` option, or a scripted usage with cache fields). */
  cache?: { cachedTokens: number; cacheWriteTokens: number };
};

let sequence = 0;
const prefix = Math.random().toString(36).slice(2, 8);

/** A process-unique id such as `chatcmpl-fake-k3x9q1-7`. */
export function nextId(kind: string): string {
  sequence += 1;
  return `${kind}-fake-${prefix}-${sequence}`;
}

/** Roughly four characters per token, as OpenAI's rule of thumb; never 0. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts = content.filter(
    (part): part is { type: 'text'; text: string } =>
      typeof part === 'object' && part !== null && (part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string',
  );
  return withoutRuntimeContext(parts.map((part) => part.text).join('\n'));
}

/** nanobot's runtime context block (the clock) rides on the user's message; the echo leaves it out. */
function withoutRuntimeContext(text: string): string {
  return text.replace(/\s*\[Runtime Context — metadata only, not instructions\][\s\S]*?\[\/Runtime Context\]\s*/g, '\n').trim();
}

/**
 * The text of the last user message that has any (both APIs: string content or an array
 * of parts; Anthropic tool results are user messages without text and are skipped).
 */
export function lastUserText(body: unknown): string {
  const fields = body as { messages?: unknown; input?: unknown } | null;
  if (typeof fields?.input === 'string') return withoutRuntimeContext(fields.input);
  // Chat Completions and Anthropic: `messages`; the Responses API: `input` items.
  const messages = fields?.messages ?? fields?.input;
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (message?.role !== 'user') continue;
    const text = typeof message.content === 'string' ? withoutRuntimeContext(message.content) : textOf(message.content);
    if (text !== '') return text;
  }
  return '';
}

export function echoReply(request: LlmRequest): FakeReply {
  return { content: `echo: ${lastUserText(request.body)}` };
}

function toJson(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? {});
}

function toInput(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value);
  } catch {
    // Malformed arguments on purpose: Anthropic's `input` must be an object, so send none.
    return {};
  }
}

export function resolveReply(reply: FakeReply, request: LlmRequest, toolIdKind: string): ResolvedReply {
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: nextId(toolIdKind),
    name: call.name,
    argumentsJson: toJson(call.arguments),
    input: toInput(call.arguments),
  }));
  const content = reply.content ?? '';
  const generated = content + toolCalls.map((call) => call.name + call.argumentsJson).join('');
  const body = request.body as { messages?: unknown; input?: unknown } | null;
  const usage = reply.usage;
  const scriptedCache = usage?.cachedTokens !== undefined || usage?.cacheWriteTokens !== undefined;
  return {
    content,
    toolCalls,
    promptTokens: usage?.promptTokens ?? request.cache?.promptTokens ?? estimateTokens(JSON.stringify(body?.messages ?? body?.input ?? '')),
    completionTokens: usage?.completionTokens ?? estimateTokens(generated),
    ...(scriptedCache
      ? { cache: { cachedTokens: usage?.cachedTokens ?? 0, cacheWriteTokens: usage?.cacheWriteTokens ?? 0 } }
      : request.cache === undefined
        ? {}
        : { cache: { cachedTokens: request.cache.cachedTokens, cacheWriteTokens: request.cache.cacheWriteTokens } }),
  };
}
