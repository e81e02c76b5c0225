import type { Config, ModelSpec } from '@nanobot/config';
import { selectProvider, type ModelTarget } from './select-provider.js';

/**
 * nanobot's provider selection for a preset, fallback or `agents.defaults`: the spec's
 * `provider` is forced unless it is `auto`, then the model name decides.
 */
export function selectSpecProvider(config: Config, spec: Pick<ModelSpec, 'model' | 'provider'>): ModelTarget {
  const forced = { ...config, agents: { ...config.agents, defaults: { ...config.agents.defaults, provider: spec.provider } } };
  return selectProvider(forced, spec.model);
}
