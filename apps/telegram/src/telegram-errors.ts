import { GrammyError, HttpError } from 'grammy';
import { AppError } from '@nanobot/core';

/**
 * Converts grammY's errors once, where they enter (docs/code-style.md). The codes drive
 * what happens next: FATAL (bad token) is retried only slowly, CONFLICT (another
 * poller, or a long poll still open) waits out the long-poll timeout, RATE_LIMITED
 * waits Telegram's retry_after, UNAVAILABLE (5xx, network) retries soon.
 * https://core.telegram.org/bots/api#making-requests
 */
export function toTelegramError(err: unknown, method: string, pollTimeoutS: number): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof GrammyError) {
    const code = err.error_code;
    const details = { method, status: code };
    if (code === 401 || code === 404) {
      return new AppError('CHANNEL_FATAL', `telegram rejected the bot token (${code}) on ${method}`, { cause: err, details });
    }
    if (code === 409) {
      return new AppError('CHANNEL_CONFLICT', `telegram reported a conflict on ${method}: another poller or a webhook`, {
        cause: err,
        details,
        retryAfterMs: (pollTimeoutS + 5) * 1000,
      });
    }
    if (code === 429) {
      const retryAfterS = err.parameters.retry_after ?? 5;
      return new AppError('CHANNEL_RATE_LIMITED', `telegram rate limit on ${method}`, {
        cause: err,
        details,
        retryAfterMs: retryAfterS * 1000,
      });
    }
    if (code >= 500) {
      return new AppError('CHANNEL_UNAVAILABLE', `telegram answered ${code} on ${method}`, { cause: err, details });
    }
    return new AppError('CHANNEL_FATAL', `telegram refused ${method} (${code}): ${err.description}`, { cause: err, details });
  }
  if (err instanceof HttpError) {
    return new AppError('CHANNEL_UNAVAILABLE', `network error calling telegram ${method}`, { cause: err, details: { method } });
  }
  return new AppError('CHANNEL_UNAVAILABLE', `calling telegram ${method} failed`, { cause: err, details: { method } });
}

/** A network error that proves the request never reached Telegram (design-notes L9). */
export function neverLeft(err: unknown): boolean {
  const codes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return true;
    current = (current as { cause?: unknown; error?: unknown }).cause ?? (current as { error?: unknown }).error;
  }
  return false;
}

/** grammY types its signal parameter with a polyfill's AbortSignal; Node's own works the same. */
export type GrammySignal = NonNullable<Parameters<import('grammy').Api['getMe']>[0]>;
export const toGrammySignal = (signal: AbortSignal): GrammySignal => signal as unknown as GrammySignal;
