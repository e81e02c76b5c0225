import { AppError, isAppError } from '@nanobot/core';
import { backoffDelayMs } from '@nanobot/supervisor';

/** How a channel's restart delays differ from the kit's defaults. */
export type RestartPolicy = {
  /** After CHANNEL_FATAL (a refused token: a config fix is needed). Default 300 s. */
  fatalMs?: number;
  /** Whether an error's `retryAfterMs` (a rate limit, a 409) is waited out as asked. Default true. */
  honourRetryAfter?: boolean;
  /** The cap of the fast retries after BUS_UNAVAILABLE and CHANNEL_UNAVAILABLE (250 ms doubling). Default 2 s. */
  outageMaxMs?: number;
  /** The delay after CHANNEL_UNAVAILABLE when it differs from a Redis outage's. */
  unavailableMs?: (failures: number) => number;
};

/** 250 ms doubling up to `maxMs`: the service (or Redis) is usually back within seconds. */
const fastRetryMs = (failures: number, maxMs: number) => Math.min(250 * 2 ** Math.max(0, failures - 1), maxMs);

/**
 * The restart delays of a channel worker: the supervisor's 2^n backoff, except that a lost lease
 * waits as a standby at once (1 s), an outage of the service or of Redis is retried quickly so
 * service resumes right after it, a "retry after" is honoured, and a refused token waits long.
 */
export function channelRestartDelay(policy: RestartPolicy = {}): (failures: number, err: unknown) => number {
  const fatalMs = policy.fatalMs ?? 300_000;
  const outageMaxMs = policy.outageMaxMs ?? 2_000;
  const honourRetryAfter = policy.honourRetryAfter ?? true;
  return (failures, err) => {
    if (isAppError(err, 'CHANNEL_FATAL')) return fatalMs;
    if (isAppError(err, 'LEASE_LOST')) return 1_000;
    if (honourRetryAfter && err instanceof AppError && err.retryAfterMs !== undefined) return err.retryAfterMs;
    if (isAppError(err, 'BUS_UNAVAILABLE')) return fastRetryMs(failures, outageMaxMs);
    if (isAppError(err, 'CHANNEL_UNAVAILABLE')) return policy.unavailableMs?.(failures) ?? fastRetryMs(failures, outageMaxMs);
    return backoffDelayMs(failures);
  };
}
