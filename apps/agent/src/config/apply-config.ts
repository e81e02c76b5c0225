import type { Config } from '@nanobot/config';
import type { Logger } from '@nanobot/log';
import type { ModelRouter } from '../llm/create-model-router.js';
import { describeConfigChange } from './describe-config-change.js';

/**
 * What a running agent does with a reloaded config: the model settings (model, provider,
 * presets, fallbacks, keys) apply to the next turn; fields read only at start are named in
 * a warning. Throws, changing nothing, when the new model chain cannot be built.
 */
export function createConfigApplier(options: { initial: Config; models: ModelRouter; log: Logger }): (next: Config) => void {
  let current = options.initial;
  const { requestTimeoutS } = options.initial.agents.defaults;
  return (next) => {
    const change = describeConfigChange(current, next);
    // The request timeout stays the one pm2's kill timeout was made for.
    if (change.applied.length > 0) options.models.update({ ...next, agents: { ...next.agents, defaults: { ...next.agents.defaults, requestTimeoutS } } });
    current = next;
    if (change.applied.length > 0) options.log.info({ fields: change.applied, model: options.models.current().model }, 'config reloaded: the next turn uses the new model settings');
    if (change.needsRestart.length > 0) options.log.warn({ fields: change.needsRestart }, 'config changed where a running agent cannot follow: applies after nanobot restart');
  };
}
