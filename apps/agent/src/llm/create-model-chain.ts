import type { Config } from '@nanobot/config';
import { isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { createAnthropicModel } from './anthropic-model.js';
import type { ChatMessage, ChatModel, ChatRequest } from './chat-types.js';
import { createOpenAiModel } from './openai-model.js';
import { isVisionModel, selectProvider, type ModelTarget } from './select-provider.js';

export type ModelChainOptions = {
  config: Config;
  log: Logger;
  /** SDK retries per model; default 2. */
  maxRetries?: number;
  /** Overrides `requestTimeoutS` (tests). */
  timeoutMs?: number;
};

export type ModelChain = ChatModel & { readonly targets: ModelTarget[] };

/** Image parts become a text note for a model that cannot see them. */
function withoutImages(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((message) => {
    if (message.role !== 'user' || typeof message.content === 'string') return message;
    const text = message.content.map((part) => (part.type === 'text' ? part.text : '[image omitted: this model cannot see images]'));
    return { role: 'user', content: text.join('\n') };
  });
}

/**
 * A signal per request, following the turn's: the SDKs add an abort listener to the
 * signal they get and never remove it, which would pile up over a long tool loop.
 */
async function withRequestSignal<T>(signal: AbortSignal, run: (requestSignal: AbortSignal) => Promise<T>): Promise<T> {
  const request = new AbortController();
  const forward = () => request.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  try {
    return await run(request.signal);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

/**
 * What the chain throws when every model failed: a passing failure (LLM_UNAVAILABLE) if
 * any model had one, since the turn may succeed once that model is back, even when a
 * fallback is misconfigured; else the first model's own rejection.
 */
function chainError(errors: unknown[]): unknown {
  return errors.find((err) => isAppError(err, 'LLM_UNAVAILABLE')) ?? errors[0];
}

/**
 * The configured model followed by `agents.defaults.fallbackModels`, each with its
 * own provider (nanobot's selection). A model that fails (after its SDK retries)
 * hands the request to the next; we do not stream, so a failure never follows
 * output. A cancelled request is not retried elsewhere.
 */
export function createModelChain(options: ModelChainOptions): ModelChain {
  const defaults = options.config.agents.defaults;
  const names = [defaults.model, ...defaults.fallbackModels.filter((m) => m !== defaults.model)];
  const targets = names.map((name) => selectProvider(options.config, name));
  const models = targets.map((target) => {
    const modelOptions = {
      target,
      maxTokens: defaults.maxTokens,
      temperature: defaults.temperature,
      timeoutMs: options.timeoutMs ?? defaults.requestTimeoutS * 1000,
      maxRetries: options.maxRetries ?? 2,
      vision: isVisionModel(target.model),
    };
    return target.api === 'anthropic' ? createAnthropicModel(modelOptions) : createOpenAiModel(modelOptions);
  });
  const primary = models[0] as ChatModel;
  return {
    model: primary.model,
    vision: primary.vision,
    targets,
    async complete(request: ChatRequest, { signal, onText }) {
      const errors: unknown[] = [];
      for (const [index, model] of models.entries()) {
        const attempt = model.vision ? request : { ...request, messages: withoutImages(request.messages) };
        try {
          return await withRequestSignal(signal, (requestSignal) => model.complete(attempt, { signal: requestSignal, onText }));
        } catch (err) {
          if (signal.aborted) throw err;
          errors.push(err);
          const next = models[index + 1];
          if (next !== undefined) options.log.warn({ err, model: model.model, next: next.model }, 'model failed, trying the fallback model');
        }
      }
      throw chainError(errors);
    },
  };
}
