import { providerRegistry } from './provider-registry.js';

/**
 * Provider names nanobot v0.3 knows (its registry). `providers` in config.json is a map, so any
 * other name is accepted too (an OpenAI-compatible endpoint under a name of the user's choice).
 */
export const providerNames: readonly string[] = providerRegistry.map((entry) => entry.name);

export type ProviderName = string;

export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && providerNames.includes(value);
}
