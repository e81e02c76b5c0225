/**
 * Time as a dependency, so restart loops and watchdogs can be tested with a fake clock.
 *
 * `sleep` never rejects: when `signal` is aborted (before or during the wait) it resolves early.
 * Callers check `signal.aborted` afterwards to tell "time passed" from "cancelled".
 */
export type Clock = {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
