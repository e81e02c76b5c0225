import { isAppError } from '@nanobot/core';

/** The longest a channel ever waits between restarts. */
export const maxRestartDelayMs = 300_000;

/**
 * The restart delay: min(2^n, 300) seconds for n consecutive failures, so it doubles from 2 s
 * through 256 s and then stays at the 300 s ceiling. n below 1 counts as 1; fractions are floored
 * (the exponent is capped only to keep the arithmetic small).
 */
export function backoffDelayMs(consecutiveFailures: number): number {
  const n = Math.max(1, Math.floor(consecutiveFailures));
  return Math.min(2 ** Math.min(n, 20) * 1000, maxRestartDelayMs);
}

/**
 * The supervisor's default delay: the backoff, except that a remote "retry after" is honoured
 * (whichever is longer) and a CHANNEL_FATAL error (bad token, revoked session) is retried only
 * slowly, at the 300 s maximum, so a fixed configuration recovers without hammering the remote.
 */
export function restartDelayMs(consecutiveFailures: number, err: unknown): number {
  const backoff = backoffDelayMs(consecutiveFailures);
  if (isAppError(err, 'CHANNEL_FATAL')) return maxRestartDelayMs;
  if (isAppError(err) && err.retryAfterMs !== undefined) return Math.max(err.retryAfterMs, backoff);
  return backoff;
}
