import { nextId, type ResolvedReply } from './fake-llm-replies.js';

/** Shapes replies and errors like the OpenAI Chat Completions API (https://platform.openai.com/docs/api-reference/chat). */

function usageOf(reply: ResolvedReply) {
  return {
    prompt_tokens: reply.promptTokens,
    completion_tokens: reply.completionTokens,
    total_tokens: reply.promptTokens + reply.completionTokens,
    // `prompt_tokens` includes the cached part, as OpenAI counts it.
    ...(reply.cache === undefined ? {} : { prompt_tokens_details: { cached_tokens: reply.cache.cachedTokens, audio_tokens: 0 } }),
  };
}

function finishReason(reply: ResolvedReply): 'tool_calls' | 'stop' {
  return reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

function toToolCalls(reply: ResolvedReply) {
  return reply.toolCalls.map((call) => ({
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.argumentsJson },
  }));
}

export function toCompletion(reply: ResolvedReply, model: string): unknown {
  const hasTools = reply.toolCalls.length > 0;
  return {
    id: nextId('chatcmpl'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_fake',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: hasTools && reply.content === '' ? null : reply.content,
          refusal: null,
          ...(hasTools ? { tool_calls: toToolCalls(reply) } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(reply),
      },
    ],
    usage: usageOf(reply),
  };
}

const errorKinds: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

/** OpenAI's error body: `{error:{message,type,param,code}}`. */
export function toOpenAiError(status: number, message: string): unknown {
  const kind = errorKinds[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null };
  return { error: { message, type: kind.type, param: null, code: kind.code } };
}
