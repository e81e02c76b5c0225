import { AppError } from '@nanobot/core';
import type { Config } from '@nanobot/config';

/** OpenAI-compatible endpoints of the providers nanobot knows, by config name. */
const defaultApiBase: Record<string, string> = {
  openrouter: 'https://openrouter.ai/api/v1',
  openai: 'https://api.openai.com/v1',
  deepseek: 'https://api.deepseek.com',
  groq: 'https://api.groq.com/openai/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta/openai/',
  moonshot: 'https://api.moonshot.ai/v1',
  dashscope: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  zhipu: 'https://open.bigmodel.cn/api/paas/v4',
  aihubmix: 'https://aihubmix.com/v1',
  anthropic: 'https://api.anthropic.com/v1/',
};

/** Providers that run locally and need no key, only an apiBase. */
const localProviders = new Set(['vllm', 'ollama', 'custom']);

export type SelectedProvider = {
  name: string;
  apiKey: string;
  baseUrl: string;
  model: string;
  extraHeaders: Record<string, string>;
};

/**
 * nanobot's provider selection: a forced `provider` wins; else a model prefix
 * naming a configured provider (`openrouter/...`); else the first provider
 * with a key (or, for local ones, an apiBase).
 */
export function selectProvider(config: Config): SelectedProvider {
  const { model, provider: forced } = config.agents.defaults;
  const providers = config.providers as Record<string, { apiKey: string; apiBase?: string | undefined; extraHeaders?: Record<string, string> | undefined }>;
  const usable = (name: string) => {
    const p = providers[name];
    return p !== undefined && (p.apiKey !== '' || (localProviders.has(name) && p.apiBase !== undefined));
  };
  const prefix = model.includes('/') ? model.slice(0, model.indexOf('/')) : undefined;
  let name: string | undefined;
  if (forced !== 'auto') name = forced;
  else if (prefix !== undefined && usable(prefix)) name = prefix;
  else name = Object.keys(providers).find(usable);
  const entry = name === undefined ? undefined : providers[name];
  if (name === undefined || entry === undefined) {
    throw new AppError('CONFIG_INVALID', 'no LLM provider is configured: set providers.<name>.apiKey (or apiBase for a local server)', {
      details: { path: 'providers' },
    });
  }
  const baseUrl = entry.apiBase ?? defaultApiBase[name];
  if (baseUrl === undefined) {
    throw new AppError('CONFIG_INVALID', `providers.${name}.apiBase is required for this provider`, {
      details: { path: `providers.${name}.apiBase` },
    });
  }
  // OpenRouter takes the vendor-prefixed model as it is; other endpoints want the bare name.
  const bare = name !== 'openrouter' && prefix === name ? model.slice(name.length + 1) : model;
  return { name, apiKey: entry.apiKey || 'no-key', baseUrl, model: bare, extraHeaders: entry.extraHeaders ?? {} };
}
