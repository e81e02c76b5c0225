import OpenAI from 'openai';
import { AppError } from '@nanobot/core';
import type { SelectedProvider } from './select-provider.js';

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };
export type ChatResult = { text: string; usage: { promptTokens: number; completionTokens: number } };
export type ChatModel = {
  readonly model: string;
  complete(messages: ChatMessage[], options: { signal: AbortSignal }): Promise<ChatResult>;
};

export type ChatModelOptions = {
  provider: SelectedProvider;
  maxTokens: number;
  temperature: number;
  timeoutMs: number;
};

/** An OpenAI-compatible chat model through the official SDK (retries 429/5xx honouring Retry-After). */
export function createChatModel(options: ChatModelOptions): ChatModel {
  const { provider } = options;
  const client = new OpenAI({
    apiKey: provider.apiKey,
    baseURL: provider.baseUrl,
    defaultHeaders: provider.extraHeaders,
    timeout: options.timeoutMs,
    maxRetries: 2,
  });
  return {
    model: provider.model,
    async complete(messages, { signal }) {
      try {
        const response = await client.chat.completions.create(
          {
            model: provider.model,
            messages,
            max_tokens: options.maxTokens,
            temperature: options.temperature,
          },
          { signal },
        );
        const choice = response.choices[0];
        return {
          text: choice?.message.content ?? '',
          usage: {
            promptTokens: response.usage?.prompt_tokens ?? 0,
            completionTokens: response.usage?.completion_tokens ?? 0,
          },
        };
      } catch (cause) {
        throw toLlmError(cause, provider.name);
      }
    },
  };
}

function toLlmError(cause: unknown, provider: string): AppError {
  if (cause instanceof OpenAI.APIError && cause.status !== undefined) {
    const retryable = cause.status === 429 || cause.status >= 500;
    return new AppError(retryable ? 'LLM_UNAVAILABLE' : 'LLM_REJECTED', `${provider} answered ${cause.status}`, {
      cause,
      details: { provider, status: cause.status },
    });
  }
  return new AppError('LLM_UNAVAILABLE', `${provider} request failed`, { cause, details: { provider } });
}
