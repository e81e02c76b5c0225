import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Wakes the mailbox loop: new mail (IDLE's EXISTS) ends its wait at once, a closed connection
 * or a stop interrupts it, else the poll interval runs out. Mail that arrives while a check
 * runs is noted, so the loop checks again instead of waiting for the next poll.
 */
export function createMailSignal() {
  let pending = false;
  let wake: () => void = () => undefined;
  return {
    notify(): void {
      pending = true;
      wake();
    },
    interrupt(): void {
      wake();
    },
    /** Before a check: what arrives from now on is news for the next one. */
    reset(): void {
      pending = false;
    },
    async wait(ms: number): Promise<void> {
      if (pending) return;
      const timer = new AbortController();
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
      timer.abort();
      wake = () => undefined;
    },
  };
}
