import { AppError } from '@nanobot/core';

type SdkApiError = { status?: number | undefined; headers?: Headers | Record<string, string> | undefined };

function headerOf(headers: SdkApiError['headers'], name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

/** Retry-After in ms (seconds or an HTTP date), as the SDKs read it. */
export function retryAfterMsOf(error: SdkApiError): number | undefined {
  const ms = Number(headerOf(error.headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headerOf(error.headers, 'retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Statuses a provider gives while it is down or busy for a while (529: Anthropic's "overloaded"). */
const isPassingStatus = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/** Providers word it differently; all of these mean the prompt does not fit the model. */
const contextTooLong = /context[ _-]?(length|window)|too many tokens|prompt is too long|maximum.{0,40}tokens|tokens?.{0,40}exceed/i;

/**
 * Converts an SDK error (after the SDK's own retries) into an AppError once, where
 * it enters: 408/409/429/5xx (529 included), timeouts and connection errors are
 * LLM_UNAVAILABLE (the turn waits for the provider), other HTTP statuses
 * LLM_REJECTED (the model would answer the same again). `isApiError` tells whether
 * the SDK saw an HTTP answer. `details.reason` names a rejection the user can fix.
 */
export function toLlmError(cause: unknown, options: { provider: string; model: string; isApiError: boolean }): AppError {
  const details = { provider: options.provider, model: options.model };
  const status = options.isApiError ? (cause as SdkApiError).status : undefined;
  if (status !== undefined) {
    const passing = isPassingStatus(status);
    const text = cause instanceof Error ? cause.message : '';
    const reason = !passing && (status === 400 || status === 413 || status === 422) && contextTooLong.test(text) ? 'context_too_long' : undefined;
    return new AppError(passing ? 'LLM_UNAVAILABLE' : 'LLM_REJECTED', `${options.provider} answered ${status} for ${options.model}`, {
      cause,
      retryAfterMs: retryAfterMsOf(cause as SdkApiError),
      details: { ...details, status, ...(reason === undefined ? {} : { reason }) },
    });
  }
  return new AppError('LLM_UNAVAILABLE', `${options.provider} request failed for ${options.model}`, { cause, details });
}
