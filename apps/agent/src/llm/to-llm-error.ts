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

/**
 * Converts an SDK error (after the SDK's own retries) into an AppError once, where
 * it enters: 429/5xx/timeouts/connection errors are LLM_UNAVAILABLE, other HTTP
 * statuses LLM_REJECTED. `isApiError` tells whether the SDK saw an HTTP answer.
 */
export function toLlmError(cause: unknown, options: { provider: string; model: string; isApiError: boolean }): AppError {
  const details = { provider: options.provider, model: options.model };
  const status = options.isApiError ? (cause as SdkApiError).status : undefined;
  if (status !== undefined) {
    const retryable = status === 408 || status === 429 || status >= 500;
    return new AppError(retryable ? 'LLM_UNAVAILABLE' : 'LLM_REJECTED', `${options.provider} answered ${status} for ${options.model}`, {
      cause,
      retryAfterMs: retryAfterMsOf(cause as SdkApiError),
      details: { ...details, status },
    });
  }
  return new AppError('LLM_UNAVAILABLE', `${options.provider} request failed for ${options.model}`, { cause, details });
}
