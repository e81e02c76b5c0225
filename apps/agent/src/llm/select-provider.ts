import { AppError } from '@nanobot/core';
import type { Config } from '@nanobot/config';

/** Default endpoints of the providers nanobot knows, by config name. */
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
  anthropic: 'https://api.anthropic.com',
};

/** nanobot's keyword match: a model name containing one of these picks the provider. */
const keywords: Array<[provider: string, words: string[]]> = [
  ['openrouter', ['openrouter']],
  ['aihubmix', ['aihubmix']],
  ['anthropic', ['anthropic', 'claude']],
  ['openai', ['openai', 'gpt']],
  ['deepseek', ['deepseek']],
  ['gemini', ['gemini']],
  ['zhipu', ['zhipu', 'glm']],
  ['dashscope', ['qwen', 'dashscope']],
  ['moonshot', ['moonshot', 'kimi']],
  ['groq', ['groq']],
  ['vllm', ['vllm']],
  ['ollama', ['ollama']],
];

/** Providers without a public endpoint: usable with an apiBase, no key needed. */
const localProviders = new Set(['vllm', 'ollama', 'custom']);

export type ProviderApi = 'openai' | 'anthropic';

export type ModelTarget = {
  provider: string;
  api: ProviderApi;
  apiKey: string;
  baseUrl: string;
  /** The model name as this provider expects it (its own prefix removed). */
  model: string;
  extraHeaders: Record<string, string>;
};

type ProviderEntry = { apiKey: string; apiBase?: string | undefined; extraHeaders?: Record<string, string> | undefined };

/**
 * nanobot's provider selection for one model: a forced `provider` wins; else a
 * model prefix naming a usable provider (`openrouter/...`); else a keyword in the
 * model name; else the first provider with a key (local ones need an apiBase).
 */
export function selectProvider(config: Config, model = config.agents.defaults.model): ModelTarget {
  const forced = config.agents.defaults.provider;
  const providers = config.providers as Record<string, ProviderEntry>;
  const usable = (name: string): boolean => {
    const p = providers[name];
    if (p === undefined) return false;
    return localProviders.has(name) ? p.apiBase !== undefined : p.apiKey !== '';
  };
  const prefix = model.includes('/') ? model.slice(0, model.indexOf('/')) : undefined;
  const lower = model.toLowerCase();
  let name: string | undefined;
  if (forced !== 'auto') name = forced;
  else if (prefix !== undefined && usable(prefix)) name = prefix;
  else name = keywords.find(([p, words]) => usable(p) && words.some((w) => lower.includes(w)))?.[0];
  name ??= Object.keys(providers).find(usable);
  const entry = name === undefined ? undefined : providers[name];
  if (name === undefined || entry === undefined) {
    throw new AppError('CONFIG_INVALID', 'no LLM provider is configured: set providers.<name>.apiKey (or apiBase for a local server)', {
      details: { path: 'providers' },
    });
  }
  return toTarget(name, entry, prefix === name ? model.slice(name.length + 1) : model);
}

function toTarget(name: string, entry: ProviderEntry, model: string): ModelTarget {
  const baseUrl = entry.apiBase ?? defaultApiBase[name];
  if (baseUrl === undefined) {
    throw new AppError('CONFIG_INVALID', `providers.${name}.apiBase is required for this provider`, {
      details: { path: `providers.${name}.apiBase` },
    });
  }
  if (!localProviders.has(name) && entry.apiKey === '') {
    throw new AppError('CONFIG_INVALID', `providers.${name}.apiKey is empty`, { details: { path: `providers.${name}.apiKey` } });
  }
  const api: ProviderApi = name === 'anthropic' ? 'anthropic' : 'openai';
  return {
    provider: name,
    api,
    // Local servers ignore the key, but the SDKs refuse to start without one.
    apiKey: entry.apiKey || 'no-key',
    baseUrl: api === 'anthropic' ? toAnthropicBase(baseUrl) : baseUrl,
    model,
    extraHeaders: entry.extraHeaders ?? {},
  };
}

/** The Anthropic SDK appends `/v1/messages` itself; accept an apiBase given with or without `/v1`. */
function toAnthropicBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Substrings of model names that accept images (a heuristic: providers publish no capability flag). */
const visionHints = ['gpt-4o', 'gpt-4.1', 'gpt-5', 'o3', 'o4', 'claude', 'gemini', 'vision', '-vl', 'vl-', 'llava', 'pixtral', 'grok-4', 'kimi-k2', 'glm-4.5v', 'qwen3-vl'];

export function isVisionModel(model: string): boolean {
  const lower = model.toLowerCase();
  return visionHints.some((hint) => lower.includes(hint));
}
