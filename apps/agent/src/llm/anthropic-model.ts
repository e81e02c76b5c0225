import type Anthropic from '@anthropic-ai/sdk';
import { withCacheBreakpoints } from './anthropic-cache.js';
import type { ChatMessage, ChatModel, ContentPart, TokenUsage, ToolSpec } from './chat-types.js';
import type { ModelOptions } from './openai-model.js';
import { requestAnthropicMessage } from './request-streamed.js';
import { toLlmError } from './to-llm-error.js';

type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

function toBlocks(content: string | ContentPart[]): string | Anthropic.ContentBlockParam[] {
  if (typeof content === 'string') return content;
  return content.map((part): Anthropic.ContentBlockParam =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image', source: { type: 'base64', media_type: part.mediaType as ImageMediaType, data: part.base64 } },
  );
}

function parseInput(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    // The model's own malformed arguments: the tool already answered with the parse error.
    return {};
  }
}

/** Anthropic wants the system prompt apart and tool results as user blocks (https://docs.anthropic.com/en/api/messages). */
export function toAnthropicMessages(messages: ChatMessage[]): { system: string; messages: Anthropic.MessageParam[] } {
  const system: string[] = [];
  const out: Anthropic.MessageParam[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user':
        out.push({ role: 'user', content: toBlocks(message.content) });
        break;
      case 'assistant': {
        const text: Anthropic.ContentBlockParam[] = message.content === '' ? [] : [{ type: 'text', text: message.content }];
        const uses = (message.toolCalls ?? []).map(
          (call): Anthropic.ContentBlockParam => ({ type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.argumentsJson) }),
        );
        out.push({ role: 'assistant', content: [...text, ...uses] });
        break;
      }
      case 'tool': {
        const block: Anthropic.ContentBlockParam = { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content };
        const last = out[out.length - 1];
        // Results of one assistant turn go into one user message.
        if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) last.content.push(block);
        else out.push({ role: 'user', content: [block] });
        break;
      }
      default: {
        const never: never = message;
        throw new Error(`unknown role ${JSON.stringify(never)}`);
      }
    }
  }
  return { system: system.join('\n\n'), messages: out };
}

const toTools = (tools: ToolSpec[]): Anthropic.Tool[] =>
  tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters as Anthropic.Tool.InputSchema }));

/** Models that refuse `temperature` (nanobot's list); the rest get the configured one. */
export function takesAnthropicTemperature(model: string): boolean {
  const lower = model.toLowerCase();
  return !['opus-4-7', 'opus-4-8', 'sonnet-5', 'fable'].some((name) => lower.includes(name));
}

/** The whole prompt, as nanobot counts it: uncached input plus what was read from and written to the cache. */
export function toAnthropicUsage(usage: Anthropic.Usage): TokenUsage {
  const read = usage.cache_read_input_tokens ?? 0;
  const written = usage.cache_creation_input_tokens ?? 0;
  return { promptTokens: usage.input_tokens + read + written, completionTokens: usage.output_tokens, cachedTokens: read, cacheWriteTokens: written };
}

/**
 * The Messages API via the official SDK: Anthropic itself and the vendors that speak it
 * (MiniMax, Kimi Coding), each with its base URL and headers (select-provider.ts). The stable
 * prefix carries cache breakpoints (anthropic-cache.ts).
 */
export function createAnthropicModel(options: ModelOptions): ChatModel {
  const { target } = options;
  // The SDK is loaded on the first call, so an agent configured for another provider never
  // holds its code in memory (idle RSS, docs/benchmarks.md).
  let loaded: Promise<{ client: Anthropic; sdk: typeof Anthropic }> | undefined;
  const load = (): Promise<{ client: Anthropic; sdk: typeof Anthropic }> =>
    (loaded ??= import('@anthropic-ai/sdk').then(({ default: Sdk }) => ({
      sdk: Sdk,
      client: new Sdk({
        apiKey: target.apiKey,
        baseURL: target.baseUrl,
        // Anthropic documents the key in `x-api-key`; this SDK version would send it as a
        // Bearer token, so the header is set here and Authorization removed (null drops it).
        defaultHeaders: { ...target.extraHeaders, 'x-api-key': target.apiKey, Authorization: null },
        defaultQuery: target.extraQuery,
        timeout: options.timeoutMs,
        maxRetries: options.maxRetries,
      }),
    })));
  const temperature = takesAnthropicTemperature(target.model) ? { temperature: options.temperature } : {};
  return {
    model: target.model,
    vision: options.vision,
    async complete(request, { signal, onText }) {
      const converted = toAnthropicMessages(request.messages);
      const { system, messages, tools } = withCacheBreakpoints(converted.system, converted.messages, toTools(request.tools ?? []));
      // This SDK's types dropped `temperature` (newer models refuse it); the API still takes it for the others.
      const params: Anthropic.MessageCreateParamsNonStreaming & { temperature?: number } = {
        model: target.model,
        max_tokens: options.maxTokens,
        ...temperature,
        ...(system === undefined ? {} : { system }),
        messages,
        ...(tools.length > 0 ? { tools } : {}),
      };
      const { client, sdk } = await load();
      try {
        const response = await requestAnthropicMessage(client, params, { signal, onText });
        const text = response.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
        const toolCalls = response.content.flatMap((block) =>
          block.type === 'tool_use' ? [{ id: block.id, name: block.name, argumentsJson: JSON.stringify(block.input ?? {}) }] : [],
        );
        return { text, toolCalls, usage: toAnthropicUsage(response.usage), model: target.model };
      } catch (cause) {
        throw toLlmError(cause, { provider: target.provider, model: target.model, isApiError: cause instanceof sdk.APIError });
      }
    },
  };
}
