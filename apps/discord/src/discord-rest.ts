import { DiscordAPIError, HTTPError, REST } from '@discordjs/rest';
import { AppError } from '@nanobot/core';

/** `channels.discord.apiBase` (…/api/v10) as @discordjs/rest wants it: the root and the version apart. */
export function splitApiBase(apiBase: string): { api: string; version: string } {
  const trimmed = apiBase.replace(/\/+$/, '');
  const match = /^(.*)\/v(\d+)$/.exec(trimmed);
  return match === null ? { api: trimmed, version: '10' } : { api: match[1] ?? trimmed, version: match[2] ?? '10' };
}

/** The REST client of the bot: rate limits (429) are waited out inside it; 5xx are retried twice. */
export function createRest(settings: { token: string; apiBase: string }): REST {
  const { api, version } = splitApiBase(settings.apiBase);
  return new REST({ api, version, timeout: 15_000, retries: 2 }).setToken(settings.token);
}

/** An answer that proves the request changed nothing (a 4xx other than 429): safe to retry later or park. */
export const refusedByDiscord = (err: unknown): boolean => err instanceof DiscordAPIError && err.status >= 400 && err.status < 500 && err.status !== 429;

/** Discord's and the network's failures as our error codes (never with the token: the REST errors carry none). */
export function toDiscordError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof DiscordAPIError) {
    if (err.status === 401) return new AppError('CHANNEL_FATAL', `${what}: Discord refused the bot token (401)`, { cause: err });
    const code = err.status === 429 ? 'CHANNEL_RATE_LIMITED' : err.status >= 500 ? 'CHANNEL_UNAVAILABLE' : 'MESSAGE_INVALID';
    return new AppError(code, `${what}: Discord answered ${err.status} (${err.code}): ${err.message}`, { cause: err, details: { status: err.status } });
  }
  if (err instanceof HTTPError) return new AppError('CHANNEL_UNAVAILABLE', `${what}: Discord answered ${err.status}`, { cause: err });
  return new AppError('CHANNEL_UNAVAILABLE', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
