export type StalledCheckGateOptions = {
  /** How often the stalled check runs when nothing is wrong (BullMQ's `stalledInterval`). */
  intervalMs: number;
  /** How long Redis must have answered promptly, and this process's own key been there, before a check. */
  settleMs: number;
};

export type StalledCheckGate = {
  /** Something this process saw says Redis was frozen, slow past bound, or its own loop stalled. */
  unsafe(now: number): void;
  /** Whether a stalled check may run now; when it says yes, the check counts as run. */
  take(now: number): boolean;
};

/**
 * Decides when BullMQ's stalled check may run. That check moves every active job whose lock is
 * missing back to wait, and after a Redis freeze every lock is missing although the holders still
 * run their jobs; they win their locks back within a liveness refresh (lock-rescue.ts). So after
 * any sign of trouble the check waits `settleMs` of good answers, long enough for every live holder
 * to have refreshed a few times. The clock starts unsafe: a process that just started saw nothing.
 */
export function createStalledCheckGate(options: StalledCheckGateOptions, startedAt: number): StalledCheckGate {
  let lastUnsafe = startedAt;
  let lastCheck = -Infinity;
  return {
    unsafe(now) {
      lastUnsafe = Math.max(lastUnsafe, now);
    },
    take(now) {
      if (now - lastUnsafe < options.settleMs || now - lastCheck < options.intervalMs) return false;
      lastCheck = now;
      return true;
    },
  };
}
