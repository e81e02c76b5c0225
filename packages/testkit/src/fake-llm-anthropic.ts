import type { IncomingHttpHeaders } from 'node:http';
import { nextId, type ResolvedReply } from './fake-llm-replies.js';

/** Shapes replies and errors like Anthropic's Messages API (https://docs.anthropic.com/en/api/messages). */

/** `input_tokens` is the part neither read from nor written to the cache, as Anthropic counts it. */
function toUsage(reply: ResolvedReply) {
  if (reply.cache === undefined) return { input_tokens: reply.promptTokens, output_tokens: reply.completionTokens };
  const { cachedTokens, cacheWriteTokens } = reply.cache;
  return {
    input_tokens: Math.max(0, reply.promptTokens - cachedTokens - cacheWriteTokens),
    cache_read_input_tokens: cachedTokens,
    cache_creation_input_tokens: cacheWriteTokens,
    output_tokens: reply.completionTokens,
  };
}

export function toAnthropicMessage(reply: ResolvedReply, model: string): unknown {
  const text = reply.content === '' ? [] : [{ type: 'text', text: reply.content }];
  const tools = reply.toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.input }));
  return {
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content: [...text, ...tools],
    stop_reason: tools.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: toUsage(reply),
  };
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** Anthropic's error body: `{type:'error', error:{type,message}}`. */
export function toAnthropicError(status: number, message: string): unknown {
  const type = errorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message } };
}

/** The request checks Anthropic makes before looking at the model; `undefined` when fine. */
export function checkAnthropicRequest(headers: IncomingHttpHeaders, body: unknown): { status: number; message: string } | undefined {
  if (!headers['x-api-key']) return { status: 401, message: 'x-api-key header is required' };
  if (!headers['anthropic-version']) return { status: 400, message: 'anthropic-version: header is required' };
  const fields = body as { model?: unknown; max_tokens?: unknown; messages?: unknown; stream?: unknown };
  if (typeof fields.model !== 'string' || fields.model === '') return { status: 400, message: 'model: Field required' };
  if (typeof fields.max_tokens !== 'number') return { status: 400, message: 'max_tokens: Field required' };
  if (!Array.isArray(fields.messages)) return { status: 400, message: 'messages: Field required' };
  return undefined;
}
