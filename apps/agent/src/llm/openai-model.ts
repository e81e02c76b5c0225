import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ChatMessage, ChatModel, ContentPart, ToolSpec } from './chat-types.js';
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

/** An OpenAI-compatible chat model (OpenRouter, OpenAI, DeepSeek, vLLM, Ollama, custom ...) via the official SDK. */
export function createOpenAiModel(options: ModelOptions): ChatModel {
  const { target } = options;
  const client = new OpenAI({
    apiKey: target.apiKey,
    baseURL: target.baseUrl,
    defaultHeaders: target.extraHeaders,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  return {
    model: target.model,
    vision: options.vision,
    async complete(request, { signal, onText }) {
      try {
        const tools = request.tools ?? [];
        const response = await requestOpenAiCompletion(
          client,
          {
            model: target.model,
            messages: toOpenAiMessages(request.messages),
            max_tokens: options.maxTokens,
            temperature: options.temperature,
            ...(tools.length > 0 ? { tools: toTools(tools), tool_choice: 'auto' as const } : {}),
          },
          { signal, onText },
        );
        const message = response.choices[0]?.message;
        const toolCalls = (message?.tool_calls ?? []).flatMap((call) =>
          call.type === 'function' ? [{ id: call.id, name: call.function.name, argumentsJson: call.function.arguments }] : [],
        );
        return {
          text: message?.content ?? '',
          toolCalls,
          usage: { promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: response.usage?.completion_tokens ?? 0 },
          model: target.model,
        };
      } catch (cause) {
        throw toLlmError(cause, { provider: target.provider, model: target.model, isApiError: cause instanceof OpenAI.APIError });
      }
    },
  };
}
