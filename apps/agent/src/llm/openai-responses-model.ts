import type OpenAI from 'openai';
import type { FunctionTool, Response, ResponseInputItem } from 'openai/resources/responses/responses';
import type { ChatMessage, ChatModel, ContentPart, TokenUsage, ToolSpec } from './chat-types.js';
import { lazyOpenAiClient, takesTemperature } from './openai-client.js';
import type { ModelOptions } from './openai-model.js';
import { toLlmError } from './to-llm-error.js';

/** OpenAI's Responses API (https://platform.openai.com/docs/api-reference/responses): system text as `instructions`, the rest as input items. */

function toInputContent(content: string | ContentPart[]) {
  if (typeof content === 'string') return [{ type: 'input_text' as const, text: content }];
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'input_text' as const, text: part.text }
      : { type: 'input_image' as const, detail: 'auto' as const, image_url: `data:${part.mediaType};base64,${part.base64}` },
  );
}

export function toResponsesInput(messages: ChatMessage[]): { instructions: string; input: ResponseInputItem[] } {
  const instructions: string[] = [];
  const input: ResponseInputItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        instructions.push(message.content);
        break;
      case 'user':
        input.push({ role: 'user', content: toInputContent(message.content) });
        break;
      case 'assistant':
        if (message.content !== '') input.push({ role: 'assistant', content: message.content });
        for (const call of message.toolCalls ?? []) {
          input.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.argumentsJson });
        }
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: message.toolCallId, output: message.content });
        break;
      default: {
        const never: never = message;
        throw new Error(`unknown role ${JSON.stringify(never)}`);
      }
    }
  }
  return { instructions: instructions.join('\n\n'), input };
}

const toTools = (tools: ToolSpec[]): FunctionTool[] =>
  tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters, strict: false }));

function toUsage(usage: Response['usage']): TokenUsage {
  return {
    promptTokens: usage?.input_tokens ?? 0,
    completionTokens: usage?.output_tokens ?? 0,
    cachedTokens: usage?.input_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
  };
}

/** `providers.openai.apiType: "responses"`: the Responses API through the openai SDK, stateless (`store: false`), as nanobot sends it. */
export function createResponsesModel(options: ModelOptions): ChatModel {
  const { target } = options;
  const load = lazyOpenAiClient(target, options);
  let sdk: typeof OpenAI | undefined;
  return {
    model: target.model,
    vision: options.vision,
    async complete(request, { signal }) {
      const { instructions, input } = toResponsesInput(request.messages);
      const tools = request.tools ?? [];
      try {
        const loaded = await load();
        sdk = loaded.sdk;
        const response = await loaded.client.responses.create(
          {
            model: target.model,
            ...(instructions === '' ? {} : { instructions }),
            input,
            max_output_tokens: options.maxTokens,
            store: false,
            ...(takesTemperature(target.model) ? { temperature: options.temperature } : {}),
            ...(tools.length > 0 ? { tools: toTools(tools), tool_choice: 'auto' as const } : {}),
          },
          { signal },
        );
        const text = response.output
          .flatMap((item) => (item.type === 'message' ? item.content.flatMap((c) => (c.type === 'output_text' ? [c.text] : [])) : []))
          .join('');
        const toolCalls = response.output.flatMap((item) =>
          item.type === 'function_call' ? [{ id: item.call_id, name: item.name, argumentsJson: item.arguments }] : [],
        );
        return { text, toolCalls, usage: toUsage(response.usage), model: target.model };
      } catch (cause) {
        throw toLlmError(cause, { provider: target.provider, model: target.model, isApiError: sdk !== undefined && cause instanceof sdk.APIError });
      }
    },
  };
}
