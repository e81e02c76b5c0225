import { nextId, type ResolvedReply } from './fake-llm-replies.js';

/** Shapes replies like OpenAI's Responses API (https://platform.openai.com/docs/api-reference/responses/object). */

export function toResponse(reply: ResolvedReply, model: string): unknown {
  const message =
    reply.content === ''
      ? []
      : [
          {
            type: 'message',
            id: nextId('msg'),
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: reply.content, annotations: [], logprobs: [] }],
          },
        ];
  const calls = reply.toolCalls.map((call) => ({
    type: 'function_call',
    id: nextId('fc'),
    call_id: call.id,
    name: call.name,
    arguments: call.argumentsJson,
    status: 'completed',
  }));
  const cached = reply.cache?.cachedTokens ?? 0;
  return {
    id: nextId('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    model,
    output: [...message, ...calls],
    parallel_tool_calls: true,
    store: false,
    usage: {
      input_tokens: reply.promptTokens,
      input_tokens_details: { cached_tokens: cached },
      output_tokens: reply.completionTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: reply.promptTokens + reply.completionTokens,
    },
  };
}

/** The checks the Responses API makes on a body; `undefined` when it can be served. */
export function checkResponsesRequest(body: Record<string, unknown>): { status: number; message: string } | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '') return { status: 400, message: "Missing required parameter: 'model'." };
  if (typeof body['input'] !== 'string' && !Array.isArray(body['input'])) return { status: 400, message: "Missing required parameter: 'input'." };
  if (body['stream'] === true) return { status: 400, message: 'stream: streaming is not supported by the fake LLM' };
  return undefined;
}
