import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ChatMessage, ChatModel, ContentPart, TokenUsage, ToolSpec } from './chat-types.js';
import { lazyOpenAiClient, takesTemperature } from './openai-client.js';
import { createResponsesModel } from './openai-responses-model.js';
import { requestOpenAiCompletion } from './request-streamed.js';
import type { ModelTarget } from './select-provider.js';
import { toLlmError } from './to-llm-error.js';

export type ModelOptions = {
  target: ModelTarget;
  maxTokens: number;
  temperature: number;
  timeoutMs: number;
  /** Retries of 408/409/429/5xx and connection errors inside the SDK, honouring Retry-After. */
  maxRetries: number;
  vision: boolean;
};

function toParts(content: string | ContentPart[]) {
  if (typeof content === 'string') return content;
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'text' as const, text: part.text }
      : { type: 'image_url' as const, image_url: { url: `data:${part.mediaType};base64,${part.base64}` } },
  );
}

export function toOpenAiMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return { role: 'user', content: toParts(message.content) };
      case 'assistant':
        return message.toolCalls === undefined || message.toolCalls.length === 0
          ? { role: 'assistant', content: message.content }
          : {
              role: 'assistant',
              content: message.content === '' ? null : message.content,
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: call.argumentsJson },
              })),
            };
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
      default: {
        const never: never = message;
        return never;
      }
    }
  });
}

const toTools = (tools: ToolSpec[]): ChatCompletionTool[] =>
  tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));

type UsageFields = OpenAI.CompletionUsage & { cached_tokens?: number; prompt_cache_hit_tokens?: number };

/** Cached prompt tokens as OpenAI reports them, or as Moonshot/StepFun (top level) and DeepSeek do (nanobot reads the same three). */
export function toChatUsage(usage: UsageFields | undefined): TokenUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? usage?.cached_tokens ?? usage?.prompt_cache_hit_tokens ?? 0;
  return { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0, cachedTokens: cached, cacheWriteTokens: 0 };
}

/**
 * A model reached through the official openai SDK: Chat Completions (OpenRouter, OpenAI,
 * DeepSeek, vLLM, Ollama, custom ... and Azure's deployment URL), or OpenAI's Responses API
 * for `providers.openai.apiType: "responses"`.
 */
export function createOpenAiModel(options: ModelOptions): ChatModel {
  if (options.target.api === 'openai-responses') return createResponsesModel(options);
  const { target } = options;
  const load = lazyOpenAiClient(target, options);
  let sdk: typeof OpenAI | undefined;
  const azure = target.api === 'azure';
  return {
    model: target.model,
    vision: options.vision,
    async complete(request, { signal, onText }) {
      try {
        const loaded = await load();
        sdk = loaded.sdk;
        const tools = request.tools ?? [];
        const response = await requestOpenAiCompletion(
          loaded.client,
          {
            model: target.model,
            messages: toOpenAiMessages(request.messages),
            // Azure's reasoning deployments accept only max_completion_tokens (nanobot's Azure client sends it).
            ...(azure ? { max_completion_tokens: options.maxTokens } : { max_tokens: options.maxTokens }),
            ...(azure && !takesTemperature(target.model) ? {} : { temperature: options.temperature }),
            ...(tools.length > 0 ? { tools: toTools(tools), tool_choice: 'auto' as const } : {}),
          },
          { signal, onText },
        );
        const message = response.choices[0]?.message;
        const toolCalls = (message?.tool_calls ?? []).flatMap((call) =>
          call.type === 'function' ? [{ id: call.id, name: call.function.name, argumentsJson: call.function.arguments }] : [],
        );
        return { text: message?.content ?? '', toolCalls, usage: toChatUsage(response.usage), model: target.model };
      } catch (cause) {
        throw toLlmError(cause, { provider: target.provider, model: target.model, isApiError: sdk !== undefined && cause instanceof sdk.APIError });
      }
    },
  };
}
