import { createAnthropicModel } from './anthropic-model.js';
import type { ChatModel } from './chat-types.js';
import { createOpenAiModel } from './openai-model.js';
import { isVisionModel, type ModelTarget } from './select-provider.js';

export type TargetModelOptions = { target: ModelTarget; maxTokens: number; temperature: number; timeoutMs: number; maxRetries: number };

/** The adapter that speaks a target's API. */
export function createTargetModel(options: TargetModelOptions): ChatModel {
  const modelOptions = { ...options, vision: isVisionModel(options.target.model) };
  return options.target.api === 'anthropic' ? createAnthropicModel(modelOptions) : createOpenAiModel(modelOptions);
}
