import type { Logger } from '@nanobot/log';

/**
 * Logs a repeating error once, then again only when its message changes or a
 * minute has passed: a worker retrying every second through a Redis outage
 * would otherwise write sixty identical lines a minute.
 */
export function createErrorLogger(log: Logger, message: string, everyMs = 60_000) {
  let last = '';
  let lastAt = 0;
  let suppressed = 0;
  return (err: Error): void => {
    const now = Date.now();
    if (err.message === last && now - lastAt < everyMs) {
      suppressed += 1;
      return;
    }
    log.warn({ err, suppressed }, message);
    last = err.message;
    lastAt = now;
    suppressed = 0;
  };
}
