import type { Clock } from './clock.js';

/**
 * A clock for tests: time only moves when the test calls `advance` or `runAll`.
 * Like `systemClock`, `sleep` resolves early (never rejects) when its signal is aborted.
 */
export type FakeClock = Clock & {
  /** Moves time forward by `ms`, waking every sleeper due on the way, in time order. */
  advance(ms: number): Promise<void>;
  /**
   * Wakes sleepers in time order, including ones scheduled while running, until none is left.
   * Throws after `maxTimers` wake-ups so a loop that always schedules another sleep cannot hang a test.
   */
  runAll(maxTimers?: number): Promise<void>;
  /** Lets pending promise callbacks run without moving time. */
  flush(): Promise<void>;
  /** How many sleeps are waiting. */
  pending(): number;
  /** When the earliest sleeper wakes, or null. */
  nextWakeAt(): number | null;
};

type Sleeper = { wakeAt: number; seq: number; wake: () => void };

/** A macrotask boundary: every promise callback queued before it has run. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createFakeClock(startMs = 0): FakeClock {
  let nowMs = startMs;
  let seq = 0;
  const sleepers = new Set<Sleeper>();

  function earliest(): Sleeper | undefined {
    let first: Sleeper | undefined;
    for (const s of sleepers) {
      if (!first || s.wakeAt < first.wakeAt || (s.wakeAt === first.wakeAt && s.seq < first.seq)) first = s;
    }
    return first;
  }

  function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        sleepers.delete(sleeper);
        resolve();
      };
      const sleeper: Sleeper = {
        wakeAt: nowMs + Math.max(0, ms),
        seq: seq++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      sleepers.add(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async function wakeNext(limitMs: number): Promise<boolean> {
    await flushMicrotasks();
    const next = earliest();
    if (!next || next.wakeAt > limitMs) return false;
    sleepers.delete(next);
    nowMs = Math.max(nowMs, next.wakeAt);
    next.wake();
    await flushMicrotasks();
    return true;
  }

  return {
    now: () => nowMs,
    sleep,
    async advance(ms) {
      const target = nowMs + ms;
      while (await wakeNext(target)) {
        // Keep waking: each wake-up may schedule another sleeper due before `target`.
      }
      nowMs = Math.max(nowMs, target);
      await flushMicrotasks();
    },
    async runAll(maxTimers = 10_000) {
      for (let i = 0; i < maxTimers; i++) {
        if (!(await wakeNext(Number.POSITIVE_INFINITY))) return;
      }
      throw new Error(`fake clock: still ${sleepers.size} sleeper(s) after ${maxTimers} wake-ups`);
    },
    flush: flushMicrotasks,
    pending: () => sleepers.size,
    nextWakeAt: () => earliest()?.wakeAt ?? null,
  };
}
