import { findProviderSpec } from './provider-registry.js';
import type { Config } from './schema.js';

/** Provider settings this version accepts but cannot act on, said once at start. */
export function providerConfigWarnings(config: Config): string[] {
  const warnings: string[] = [];
  for (const [name, provider] of Object.entries(config.providers)) {
    const spec = findProviderSpec(name);
    if (spec?.backend === 'unsupported') {
      warnings.push(`providers.${name}: not supported here (${spec.unsupportedReason ?? 'no client for it'}); a model routed to it fails`);
    }
    if (provider.apiType !== undefined && provider.apiType !== 'auto' && spec?.name !== 'openai') {
      warnings.push(`providers.${name}.apiType: only providers.openai takes apiType (as in nanobot); ignored`);
    }
    if (provider.apiVersion !== undefined && spec?.name !== 'azure_openai') {
      warnings.push(`providers.${name}.apiVersion: only providers.azure_openai takes apiVersion; ignored`);
    }
  }
  return warnings;
}
