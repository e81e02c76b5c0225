import { fail, type ApiResult } from './fake-telegram-http.js';
import { conflictWithPoller } from './fake-telegram-methods.js';
import type { TelegramFault } from './fake-telegram-types.js';

type Entry = { fault: TelegramFault; remaining: number };

/** Faults by method name (or `*`); a method's own fault wins over `*`. */
export function createTelegramFaults() {
  const entries = new Map<string, Entry>();
  return {
    set(method: string, fault: TelegramFault): void {
      if (fault.times !== undefined && fault.times <= 0) {
        entries.delete(method);
        return;
      }
      entries.set(method, { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    },
    clear(): void {
      entries.clear();
    },
    /** The fault to apply to one call of `method`, counting it against `times`. */
    take(method: string): TelegramFault | undefined {
      for (const key of [method, '*']) {
        const entry = entries.get(key);
        if (!entry) continue;
        entry.remaining -= 1;
        if (entry.remaining <= 0) entries.delete(key);
        return entry.fault;
      }
      return undefined;
    },
  };
}

export type TelegramFaults = ReturnType<typeof createTelegramFaults>;

const descriptions: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: conflictWithPoller,
  429: 'Too Many Requests: retry after 1',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The error a `status`, `retryAfter` or `conflict` fault answers with. */
export function toFaultResult(fault: TelegramFault & { kind: 'status' | 'retryAfter' | 'conflict' }): ApiResult {
  switch (fault.kind) {
    case 'status':
      return fail(fault.status, fault.description ?? descriptions[fault.status] ?? `Error ${fault.status}`);
    case 'retryAfter':
      return fail(429, `Too Many Requests: retry after ${fault.seconds}`, { retry_after: fault.seconds });
    case 'conflict':
      return fail(409, conflictWithPoller);
    default: {
      const unexpected: never = fault;
      throw new Error(`unexpected fault ${JSON.stringify(unexpected)}`);
    }
  }
}
