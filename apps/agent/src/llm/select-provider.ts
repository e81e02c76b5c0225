import { AppError } from '@nanobot/core';
import { findProviderSpec, providerRegistry, type Config, type ProviderConfig, type ProviderSpec } from '@nanobot/config';

/**
 * How a model is reached: `openai` (Chat Completions), `openai-responses` (OpenAI's Responses
 * API), `azure` (Azure OpenAI's deployment URL), all through the openai SDK; `anthropic`
 * (the Messages API through the Anthropic SDK).
 */
export type ProviderApi = 'openai' | 'openai-responses' | 'azure' | 'anthropic';

export type ModelTarget = {
  /** The provider's name as the config spells it (`azureOpenai` or `azure_openai`). */
  provider: string;
  api: ProviderApi;
  apiKey: string;
  baseUrl: string;
  /** The model name as this provider expects it (its own prefix removed); Azure's deployment. */
  model: string;
  extraHeaders: Record<string, string>;
  /** Query parameters on every request (`extraQuery`). */
  extraQuery: Record<string, string>;
  /** Azure's `api-version`. */
  apiVersion?: string;
};

/** nanobot's first Azure OpenAI client was pinned to this version; any GA version works. */
export const defaultAzureApiVersion = '2024-10-21';

type Entry = { key: string; config: ProviderConfig; spec: ProviderSpec | undefined };

/** Local servers and direct endpoints need no key (nanobot's `is_local` / `is_direct`). */
const needsNoKey = (spec: ProviderSpec | undefined) => spec === undefined || spec.local === true || spec.direct === true;

/**
 * nanobot's provider selection for one model: a forced `provider` wins; else a model prefix
 * naming a configured provider (`openrouter/...`); else a keyword of the model name, in the
 * registry's order; else the first provider with a key (or a local one with an apiBase).
 * Provider names are matched in any spelling (`azureOpenai`, `azure-openai`, `azure_openai`).
 */
export function selectProvider(config: Config, model = config.agents.defaults.model): ModelTarget {
  const entries: Entry[] = Object.entries(config.providers).map(([key, value]) => ({ key, config: value, spec: findProviderSpec(key) }));
  const byName = (name: string) => {
    const wanted = findProviderSpec(name)?.name ?? name.replace(/-/g, '_').toLowerCase();
    return entries.find((e) => (e.spec?.name ?? e.key.replace(/-/g, '_').toLowerCase()) === wanted);
  };
  const usable = (e: Entry | undefined): e is Entry => e !== undefined && (e.config.apiKey !== '' || needsNoKey(e.spec));
  const forced = config.agents.defaults.provider;
  const lower = model.toLowerCase();
  const prefix = lower.includes('/') ? lower.slice(0, lower.indexOf('/')) : undefined;
  let chosen: Entry | undefined;
  if (forced !== 'auto') chosen = byName(forced);
  else {
    const byPrefix = prefix === undefined ? undefined : byName(prefix);
    if (usable(byPrefix)) chosen = byPrefix;
    chosen ??= providerRegistry
      .filter((s) => s.keywords.some((word) => lower.includes(word) || lower.replace(/-/g, '_').includes(word.replace(/-/g, '_'))))
      .map((s) => byName(s.name))
      .find(usable);
    chosen ??= entries.find((e) => e.config.apiKey !== '' || (needsNoKey(e.spec) && e.config.apiBase !== undefined));
  }
  if (chosen === undefined) {
    const path = forced === 'auto' ? 'providers' : `providers.${forced}`;
    throw new AppError('CONFIG_INVALID', `no LLM provider is configured${forced === 'auto' ? '' : ` (agents.defaults.provider is "${forced}")`}: set providers.<name>.apiKey (or apiBase for a local server)`, {
      details: { path },
    });
  }
  return toTarget(chosen, stripPrefix(chosen, model));
}

/** nanobot sends the model without the provider's own prefix; gateways that want bare names lose any prefix. */
function stripPrefix(entry: Entry, model: string): string {
  const slash = model.indexOf('/');
  if (slash === -1) return model;
  const prefix = model.slice(0, slash);
  const ownName = entry.spec?.name ?? entry.key;
  if (findProviderSpec(prefix)?.name === ownName || prefix === entry.key) return model.slice(slash + 1);
  if (entry.spec?.stripModelPrefix === true) return model.slice(model.lastIndexOf('/') + 1);
  return model;
}

function toTarget(entry: Entry, model: string): ModelTarget {
  const { key, config: p, spec } = entry;
  if (spec?.backend === 'unsupported') {
    throw new AppError('CONFIG_INVALID', `providers.${key} is not supported here: ${spec.unsupportedReason ?? 'no client for it'}`, { details: { path: `providers.${key}` } });
  }
  const baseUrl = p.apiBase ?? spec?.defaultApiBase;
  if (baseUrl === undefined) {
    throw new AppError('CONFIG_INVALID', `providers.${key}.apiBase is required for this provider`, { details: { path: `providers.${key}.apiBase` } });
  }
  if (p.apiKey === '' && (!needsNoKey(spec) || spec?.backend === 'azure')) {
    const why = spec?.backend === 'azure' ? ' (Microsoft Entra ID sign-in is not supported here)' : '';
    throw new AppError('CONFIG_INVALID', `providers.${key}.apiKey is empty${why}`, { details: { path: `providers.${key}.apiKey` } });
  }
  const backend = spec?.backend ?? 'openai';
  const api: ProviderApi =
    backend === 'anthropic' ? 'anthropic' : backend === 'azure' ? 'azure' : spec?.name === 'openai' && p.apiType === 'responses' ? 'openai-responses' : 'openai';
  const extraQuery = { ...(p.extraQuery ?? {}) };
  const apiVersion = api === 'azure' ? (p.apiVersion ?? extraQuery['api-version'] ?? defaultAzureApiVersion) : undefined;
  if (api === 'azure') delete extraQuery['api-version'];
  return {
    provider: key,
    api,
    // Local servers ignore the key, but the SDKs refuse to start without one.
    apiKey: p.apiKey || 'no-key',
    baseUrl: api === 'anthropic' ? toAnthropicBase(baseUrl) : baseUrl,
    model,
    extraHeaders: { ...(spec?.defaultHeaders ?? {}), ...(p.extraHeaders ?? {}) },
    extraQuery,
    ...(apiVersion === undefined ? {} : { apiVersion }),
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
