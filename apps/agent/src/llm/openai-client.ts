import OpenAI, { AzureOpenAI } from 'openai';
import { defaultAzureApiVersion, type ModelTarget } from './select-provider.js';

export type ClientOptions = { timeoutMs: number; maxRetries: number };

/** `https://res.openai.azure.com` and `https://res.openai.azure.com/openai/` both name the resource. */
export function toAzureBaseUrl(apiBase: string): string {
  const trimmed = apiBase.replace(/\/+$/, '');
  return trimmed.endsWith('/openai') ? trimmed : `${trimmed}/openai`;
}

/**
 * The openai SDK client for a target. Azure uses the SDK's AzureOpenAI client: the model is the
 * deployment (`/openai/deployments/<model>/chat/completions?api-version=…`) and the key goes in
 * the `api-key` header. `baseURL` is always given, so no `OPENAI_BASE_URL` in the environment
 * can redirect requests.
 */
export function createOpenAiClient(target: ModelTarget, options: ClientOptions): OpenAI {
  const common = {
    apiKey: target.apiKey,
    defaultHeaders: target.extraHeaders,
    defaultQuery: target.extraQuery,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  };
  if (target.api === 'azure') {
    return new AzureOpenAI({ ...common, baseURL: toAzureBaseUrl(target.baseUrl), apiVersion: target.apiVersion ?? defaultAzureApiVersion });
  }
  return new OpenAI({ ...common, baseURL: target.baseUrl });
}

/** Reasoning models refuse a temperature other than their default (nanobot omits it for them). */
export function takesTemperature(model: string): boolean {
  const lower = model.toLowerCase();
  return !['gpt-5', 'o1', 'o3', 'o4'].some((name) => lower.includes(name));
}
