/**
 * The 95th percentile of the samples of the last `windowMs` (default five minutes), at most
 * `maxSamples` of them (the oldest go first); 0 while there is none.
 */
export function createLatencyWindow(options: { now: () => number; windowMs?: number; maxSamples?: number }) {
  const windowMs = options.windowMs ?? 300_000;
  const maxSamples = options.maxSamples ?? 1000;
  const samples: Array<{ at: number; ms: number }> = [];
  const prune = (now: number): void => {
    let drop = Math.max(0, samples.length - maxSamples);
    while (drop < samples.length && (samples[drop]?.at ?? 0) <= now - windowMs) drop++;
    if (drop > 0) samples.splice(0, drop);
  };
  return {
    record(ms: number): void {
      if (!Number.isFinite(ms) || ms < 0) return;
      samples.push({ at: options.now(), ms });
      prune(options.now());
    },
    p95(): number {
      prune(options.now());
      if (samples.length === 0) return 0;
      const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
      return Math.round(sorted[Math.ceil(sorted.length * 0.95) - 1] ?? 0);
    },
  };
}

export type LatencyWindow = ReturnType<typeof createLatencyWindow>;
