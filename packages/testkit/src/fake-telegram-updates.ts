import type { Update } from './fake-telegram-types.js';

/** How a `getUpdates` long poll ended. */
export type PollOutcome = { kind: 'updates'; updates: Update[] } | { kind: 'conflict' } | { kind: 'cancelled' };

export type PollRequest = {
  offset?: number;
  limit: number;
  timeoutSec: number;
  signal: AbortSignal;
};

type Waiter = { limit: number; finish: (outcome: PollOutcome) => void };

/**
 * The update queue with the Bot API's offset semantics
 * (https://core.telegram.org/bots/api#getupdates): an offset confirms every update
 * below it, a negative offset keeps only the last `-offset` updates, and a newer
 * `getUpdates` terminates an older one that is still waiting.
 */
export function createUpdateQueue(firstUpdateId: number) {
  let pending: Update[] = [];
  let nextUpdateId = firstUpdateId;
  let confirmed = 0;
  let waiter: Waiter | undefined;
  let wakeScheduled = false;

  function confirm(offset: number): void {
    if (offset < 0) {
      const keep = pending.slice(offset);
      const firstKept = keep[0]?.update_id ?? nextUpdateId;
      confirmed = Math.max(confirmed, firstKept);
      pending = keep;
      return;
    }
    confirmed = Math.max(confirmed, offset);
    pending = pending.filter((update) => update.update_id >= confirmed);
  }

  function wake(): void {
    wakeScheduled = false;
    const current = waiter;
    if (!current || pending.length === 0) return;
    waiter = undefined;
    current.finish({ kind: 'updates', updates: pending.slice(0, current.limit) });
  }

  function push(body: Record<string, unknown>): Update {
    const update: Update = { ...body, update_id: nextUpdateId };
    nextUpdateId += 1;
    if (update.update_id >= confirmed) pending.push(update);
    // Answer on the next turn so that updates injected together arrive together.
    if (waiter && !wakeScheduled) {
      wakeScheduled = true;
      setImmediate(wake);
    }
    return update;
  }

  function poll(request: PollRequest): Promise<PollOutcome> {
    if (request.offset !== undefined && request.offset !== 0) confirm(request.offset);
    waiter?.finish({ kind: 'conflict' });
    waiter = undefined;
    if (request.signal.aborted) return Promise.resolve({ kind: 'cancelled' });
    if (pending.length > 0 || request.timeoutSec <= 0) {
      return Promise.resolve({ kind: 'updates', updates: pending.slice(0, request.limit) });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ kind: 'updates', updates: [] }), request.timeoutSec * 1000);
      const onAbort = (): void => finish({ kind: 'cancelled' });
      const self: Waiter = { limit: request.limit, finish };
      function finish(outcome: PollOutcome): void {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', onAbort);
        if (waiter === self) waiter = undefined;
        resolve(outcome);
      }
      request.signal.addEventListener('abort', onAbort);
      waiter = self;
    });
  }

  return {
    push,
    poll,
    /** Confirms everything pending (deleteWebhook with drop_pending_updates). */
    dropPending(): void {
      confirm(nextUpdateId);
    },
    pending: (): Update[] => [...pending],
    confirmedOffset: (): number => confirmed,
    hasWaiter: (): boolean => waiter !== undefined,
    /** Ends a waiting poll without an answer (used by close()). */
    cancelWaiter(): void {
      waiter?.finish({ kind: 'cancelled' });
    },
  };
}

export type UpdateQueue = ReturnType<typeof createUpdateQueue>;
