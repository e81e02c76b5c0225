import type { Config } from './schema.js';

/** The providers whose speech-to-text endpoint is known without an `apiBase`. */
const knownBases = new Set(['groq', 'openai', 'openrouter']);

/**
 * nanobot's `transcription` when it is set but cannot work: no key for its provider (nor an
 * `apiBase`, for a local server without one), or a provider whose endpoint is not known. Voice
 * then still reaches the model, as a file. Only for a config that names `transcription`: by
 * default it is on, and a config without a Groq key simply has no transcription.
 */
export function transcriptionWarnings(config: Config, raw: Record<string, unknown>): string[] {
  if (raw['transcription'] === undefined || !config.transcription.enabled) return [];
  const name = config.transcription.provider.trim().toLowerCase();
  const provider = config.providers[name] ?? config.providers[config.transcription.provider];
  if (provider?.apiBase === undefined && !knownBases.has(name)) {
    return [`transcription.provider: ${config.transcription.provider} needs providers.${name}.apiBase (its OpenAI-compatible endpoint); voice messages reach the model untranscribed`];
  }
  if ((provider?.apiKey ?? '') === '' && provider?.apiBase === undefined) {
    return [`transcription: providers.${name}.apiKey is not set; voice messages reach the model untranscribed`];
  }
  return [];
}
