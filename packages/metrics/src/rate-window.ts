/** Events in the last `windowMs` (default one minute): "messages in/min". */
export function createRateWindow(options: { now: () => number; windowMs?: number }) {
  const windowMs = options.windowMs ?? 60_000;
  const times: number[] = [];
  const prune = (now: number): void => {
    let drop = 0;
    while (drop < times.length && (times[drop] ?? 0) <= now - windowMs) drop++;
    if (drop > 0) times.splice(0, drop);
  };
  return {
    mark(): void {
      const now = options.now();
      prune(now);
      times.push(now);
    },
    count(): number {
      prune(options.now());
      return times.length;
    },
  };
}

export type RateWindow = ReturnType<typeof createRateWindow>;
