/**
 * A model that keeps failing is skipped for a while instead of being asked on every turn
 * (nanobot's failover breaker: 3 failures in a row open it for 60 s). After the cooling
 * period one request is let through as a probe (half-open): its success closes the
 * breaker, its failure opens it for another period.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export type BreakerSnapshot = {
  /** `provider/model`, as status shows it. */
  id: string;
  state: BreakerState;
  /** Failures in a row. */
  failures: number;
  /** When an open breaker lets a probe through (ms since the epoch). */
  probeAt?: number;
};

export type BreakerTiming = { threshold: number; cooldownMs: number };

export const defaultBreakerTiming: BreakerTiming = { threshold: 3, cooldownMs: 60_000 };

export type CircuitBreaker = {
  /** True when a request may go now; in half-open state only one at a time (the probe). */
  tryAcquire(): boolean;
  /** The request answered. */
  succeeded(): void;
  /** The request failed in a way that says the model or provider is in trouble. */
  failed(): void;
  /** The request ended otherwise (cancelled, refused for its content): no verdict. */
  released(): void;
  /** ms until a probe is let through; 0 when requests may go. */
  waitMs(): number;
  snapshot(): BreakerSnapshot;
};

export function createCircuitBreaker(id: string, options: { timing?: BreakerTiming; now?: () => number } = {}): CircuitBreaker {
  const timing = options.timing ?? defaultBreakerTiming;
  const now = options.now ?? Date.now;
  let failures = 0;
  let openedAt: number | undefined;
  let probing = false;

  const state = (): BreakerState => {
    if (openedAt === undefined) return 'closed';
    return now() - openedAt >= timing.cooldownMs ? 'half-open' : 'open';
  };

  return {
    tryAcquire() {
      const current = state();
      if (current === 'closed') return true;
      if (current === 'open' || probing) return false;
      probing = true;
      return true;
    },
    succeeded() {
      failures = 0;
      openedAt = undefined;
      probing = false;
    },
    failed() {
      failures += 1;
      // A failed probe opens it again at once; otherwise the threshold decides.
      if (probing || failures >= timing.threshold) openedAt = now();
      probing = false;
    },
    released() {
      probing = false;
    },
    waitMs() {
      if (openedAt === undefined) return 0;
      return Math.max(0, openedAt + timing.cooldownMs - now());
    },
    snapshot() {
      const current = state();
      return { id, state: current, failures, ...(openedAt === undefined ? {} : { probeAt: openedAt + timing.cooldownMs }) };
    },
  };
}

export type BreakerRegistry = {
  /** The breaker of one model target; a changed target (new key, base URL) gets a fresh one. */
  get(id: string, fingerprint: string): CircuitBreaker;
  /** Every breaker in use, for status. */
  list(): BreakerSnapshot[];
  /** Forgets breakers whose fingerprint is no longer used (after a config reload). */
  keepOnly(fingerprints: ReadonlySet<string>): void;
};

export function createBreakerRegistry(options: { timing?: BreakerTiming; now?: () => number } = {}): BreakerRegistry {
  const breakers = new Map<string, CircuitBreaker>();
  return {
    get(id, fingerprint) {
      let breaker = breakers.get(fingerprint);
      if (breaker === undefined) {
        breaker = createCircuitBreaker(id, options);
        breakers.set(fingerprint, breaker);
      }
      return breaker;
    },
    list: () => [...breakers.values()].map((b) => b.snapshot()),
    keepOnly(fingerprints) {
      for (const key of breakers.keys()) if (!fingerprints.has(key)) breakers.delete(key);
    },
  };
}
