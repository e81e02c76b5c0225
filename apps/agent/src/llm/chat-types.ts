/** The provider-neutral shapes the agent loop speaks; each provider adapter converts them once. */

export type TextPart = { type: 'text'; text: string };
/** An image as a data URL (`data:image/png;base64,...`). */
export type ImagePart = { type: 'image'; mediaType: string; base64: string };
export type ContentPart = TextPart | ImagePart;

export type ToolCall = {
  id: string;
  name: string;
  /** Raw JSON text as the model produced it; parsed and validated by the tool registry. */
  argumentsJson: string;
};

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ContentPart[] }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export type ToolSpec = {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
};

/**
 * Tokens of one request (or a turn's sum). `promptTokens` counts the whole prompt, cached
 * part included; `cachedTokens` is the part read from the provider's prompt cache (OpenAI
 * `prompt_tokens_details.cached_tokens`, Anthropic `cache_read_input_tokens`) and
 * `cacheWriteTokens` the part written to it (Anthropic `cache_creation_input_tokens`).
 * Both are absent in sessions written before they were recorded.
 */
export type TokenUsage = { promptTokens: number; completionTokens: number; cachedTokens?: number; cacheWriteTokens?: number };

export type ChatRequest = {
  messages: ChatMessage[];
  tools?: ToolSpec[];
};

export type ChatResult = {
  text: string;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  /** The model that produced the answer (after fallbacks). */
  model: string;
};

export type CompleteOptions = { signal: AbortSignal; onText?: ((textSoFar: string) => void) | undefined };

export type ChatModel = {
  readonly model: string;
  /** True when the model accepts image parts. */
  readonly vision: boolean;
  /** `onText`, when given, is called with the answer's text so far as it streams in. */
  complete(request: ChatRequest, options: CompleteOptions): Promise<ChatResult>;
};

export const noUsage: TokenUsage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    cachedTokens: (a.cachedTokens ?? 0) + (b.cachedTokens ?? 0),
    cacheWriteTokens: (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0),
  };
}
