import type OpenAI from 'openai';
import { defaultAzureApiVersion, type ModelTarget } from './select-provider.js';

export type ClientOptions = { timeoutMs: number; maxRetries: number };

/** `https://res.openai.azure.com` and `https://res.openai.azure.com/openai/` both name the resource. */
export function toAzureBaseUrl(apiBase: string): string {
  const trimmed = apiBase.replace(/\/+$/, '');
  return trimmed.endsWith('/openai') ? trimmed : `${trimmed}/openai`;
}

/** A client and the SDK it came from (for `instanceof sdk.APIError`). */
export type LoadedOpenAi = { client: OpenAI; sdk: typeof OpenAI };

/**
 * The openai SDK client for a target, made on first use: the SDK (about 10 MB) is imported then,
 * so an agent that never calls an OpenAI-style model or transcribes never loads it (idle RSS,
 * docs/benchmarks.md). Azure uses the SDK's AzureOpenAI client: the model is the deployment
 * (`/openai/deployments/<model>/chat/completions?api-version=…`) and the key goes in the
 * `api-key` header. `baseURL` is always given, so no `OPENAI_BASE_URL` in the environment can
 * redirect requests.
 */
export function lazyOpenAiClient(target: ModelTarget, options: ClientOptions): () => Promise<LoadedOpenAi> {
  let loaded: Promise<LoadedOpenAi> | undefined;
  const common = {
    apiKey: target.apiKey,
    defaultHeaders: target.extraHeaders,
    defaultQuery: target.extraQuery,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  };
  return () =>
    (loaded ??= import('openai').then(({ default: Sdk, AzureOpenAI }) => ({
      sdk: Sdk,
      client:
        target.api === 'azure'
          ? new AzureOpenAI({ ...common, baseURL: toAzureBaseUrl(target.baseUrl), apiVersion: target.apiVersion ?? defaultAzureApiVersion })
          : new Sdk({ ...common, baseURL: target.baseUrl }),
    })));
}

/** Reasoning models refuse a temperature other than their default (nanobot omits it for them). */
export function takesTemperature(model: string): boolean {
  const lower = model.toLowerCase();
  return !['gpt-5', 'o1', 'o3', 'o4'].some((name) => lower.includes(name));
}
