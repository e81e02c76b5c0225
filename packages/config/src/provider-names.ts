/**
 * Provider names nanobot knows. `providers` in config.json is a map, so any other name is
 * accepted too (an OpenAI-compatible endpoint under a name of the user's choice).
 */
export const providerNames = [
  'openrouter',
  'anthropic',
  'openai',
  'deepseek',
  'groq',
  'gemini',
  'moonshot',
  'dashscope',
  'zhipu',
  'vllm',
  'ollama',
  'custom',
  'aihubmix',
] as const;

export type ProviderName = (typeof providerNames)[number];

export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && (providerNames as readonly string[]).includes(value);
}
