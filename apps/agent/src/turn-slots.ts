/**
 * The per-instance limit of concurrent turns (`agents.defaults.maxConcurrentTurns`).
 * Non-blocking on purpose: a job that finds no slot goes back to the queue, where an
 * instance with room picks it up, instead of holding its session here.
 */
export function createTurnSlots(limit: number) {
  let used = 0;
  return {
    /** A release function, or null when every slot is taken. */
    tryAcquire(): (() => void) | null {
      if (used >= limit) return null;
      used += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        used -= 1;
      };
    },
    inUse: () => used,
    limit,
  };
}

export type TurnSlots = ReturnType<typeof createTurnSlots>;
