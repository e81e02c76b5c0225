import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type OpenAI from 'openai';
import type { Config } from '@nanobot/config';
import { AppError } from '@nanobot/core';
import { oggOpusDurationS } from './audio-duration.js';

/** The OpenAI-compatible endpoints of nanobot's named transcription providers, and their default models. */
const knownProviders: Record<string, { apiBase: string; model: string }> = {
  groq: { apiBase: 'https://api.groq.com/openai/v1', model: 'whisper-large-v3' },
  openai: { apiBase: 'https://api.openai.com/v1', model: 'whisper-1' },
  openrouter: { apiBase: 'https://openrouter.ai/api/v1', model: 'openai/whisper-1' },
};

export type Transcriber = {
  /** The provider's name, for logs. */
  provider: string;
  /** The text of an audio file; AppError TOOL_FAILED with a reason a user can read otherwise. */
  transcribe(path: string, signal: AbortSignal): Promise<string>;
};

/**
 * nanobot's `transcription`: voice notes and audio files to text through the provider's
 * `/audio/transcriptions` (the official OpenAI SDK; Groq, OpenAI and any OpenAI-compatible
 * provider with `providers.<name>.apiBase`). Undefined when switched off or when the provider
 * has no key (nor, for a local server, an apiBase): voice then reaches the model as a file.
 */
export function createTranscriber(config: Config, options: { timeoutMs?: number; maxRetries?: number } = {}): Transcriber | undefined {
  const settings = config.transcription;
  if (!settings.enabled) return undefined;
  const name = settings.provider.trim().toLowerCase();
  const provider = config.providers[name] ?? config.providers[settings.provider];
  const known = knownProviders[name];
  const apiBase = provider?.apiBase ?? known?.apiBase;
  const apiKey = provider?.apiKey ?? '';
  if (apiBase === undefined || (apiKey === '' && provider?.apiBase === undefined)) return undefined;
  const model = settings.model ?? known?.model ?? 'whisper-1';
  // The SDK is imported with the first recording: most agents never transcribe (idle RSS).
  let loaded: Promise<{ client: OpenAI; sdk: typeof import('openai') }> | undefined;
  const load = () =>
    (loaded ??= import('openai').then((sdk) => ({
      sdk,
      client: new sdk.default({
        apiKey: apiKey === '' ? 'none' : apiKey,
        baseURL: apiBase,
        timeout: options.timeoutMs ?? 120_000,
        maxRetries: options.maxRetries ?? 2,
      }),
    })));
  let apiError: typeof OpenAI.APIError | undefined;
  const maxBytes = settings.maxUploadMb * 1024 * 1024;
  return {
    provider: name,
    async transcribe(path, signal) {
      const { size } = await stat(path);
      if (size > maxBytes) throw new AppError('TOOL_FAILED', `the recording is larger than the ${settings.maxUploadMb} MB transcription limit`);
      const seconds = extname(path).toLowerCase() === '.ogg' || extname(path).toLowerCase() === '.oga' ? await oggOpusDurationS(path).catch(() => undefined) : undefined;
      if (seconds !== undefined && seconds > settings.maxDurationSec) {
        throw new AppError('TOOL_FAILED', `the recording is ${Math.round(seconds)} s long, over the ${settings.maxDurationSec} s transcription limit`);
      }
      try {
        const { client, sdk } = await load();
        apiError = sdk.default.APIError;
        const file = await sdk.toFile(await readFile(path), basename(path));
        const result = await client.audio.transcriptions.create(
          { file, model, ...(settings.language == null ? {} : { language: settings.language }) },
          { signal },
        );
        return result.text.trim();
      } catch (cause) {
        const status = apiError !== undefined && cause instanceof apiError ? cause.status : undefined;
        throw new AppError('TOOL_FAILED', status === undefined ? 'the transcription service could not be reached' : `the transcription service answered ${status}`, {
          cause,
          details: { provider: name, ...(status === undefined ? {} : { status }) },
        });
      }
    },
  };
}
