import type { Redis } from 'ioredis';
import type { HeldLock, LockRescue } from './lock-rescue.js';
import { keyPrefix } from './queue-names.js';

/**
 * Liveness of a process that runs BullMQ jobs, so a dead one's jobs are taken back in
 * about two seconds instead of BullMQ's lock expiry plus stalled check (6–9 s).
 *
 * Each worker keeps a key of its own with a short TTL (`nb:worker-alive:<BullMQ worker id>`),
 * refreshed by a timer that does nothing else, and is listed in `nb:workers` (score: last
 * refresh), so a sweeper only ever judges workers that take part (a worker of an older
 * version has no key, and is left to BullMQ's own stalled check). The key's TTL is counted
 * by Redis, so the hosts' clocks do not matter.
 */
export const livenessKeys = {
  alive: (workerId: string) => `${keyPrefix}worker-alive:${workerId}`,
  registry: () => `${keyPrefix}workers`,
} as const;

export const defaultLiveness = {
  /** How long a worker's key outlives its last refresh. */
  ttlMs: 1_000,
  /** How often it is refreshed (four refreshes per TTL: one late or lost one does not matter). */
  refreshMs: 250,
  /** Workers not seen for this long leave the registry. */
  forgetAfterMs: 24 * 3_600_000,
} as const;

export type LivenessOptions = {
  redis: Redis;
  workerId: string;
  ttlMs?: number;
  refreshMs?: number;
  onError: (err: unknown) => void;
  /**
   * The jobs this process holds: each refresh also wins back any of their locks Redis let expire
   * (a freeze longer than the lock), so the holder has its lock again within one refresh.
   */
  locks?: { held: () => readonly HeldLock[]; rescue: LockRescue };
};

export type WorkerLiveness = {
  readonly workerId: string;
  start(): Promise<void>;
  /** Removes the key and the registry entry: call after the worker has finished its jobs. */
  stop(): Promise<void>;
};

export function createWorkerLiveness(options: LivenessOptions): WorkerLiveness {
  const ttlMs = options.ttlMs ?? defaultLiveness.ttlMs;
  const refreshMs = options.refreshMs ?? defaultLiveness.refreshMs;
  const key = livenessKeys.alive(options.workerId);
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  const refresh = async (): Promise<void> => {
    const held = options.locks?.held() ?? [];
    const now = Date.now();
    // Two plain commands, not a MULTI: ioredis builds a pipeline object with a method for each of
    // the connection's scripts (BullMQ defines about sixty on it), four times a second, and a
    // refresh needs no atomicity (a half-done one is redone within refreshMs).
    await Promise.all([
      options.redis.set(key, String(now), 'PX', ttlMs),
      options.redis.zadd(livenessKeys.registry(), now, options.workerId),
      held.length === 0 ? undefined : options.locks?.rescue.rescue(held),
    ]);
  };
  const tick = () => {
    // A refresh still waiting for Redis (slow, or away) is not stacked up behind.
    if (inFlight) return;
    inFlight = true;
    refresh()
      .catch(options.onError)
      .finally(() => (inFlight = false));
  };
  return {
    workerId: options.workerId,
    async start() {
      await refresh();
      timer = setInterval(tick, refreshMs);
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await options.redis.multi().del(key).zrem(livenessKeys.registry(), options.workerId).exec();
    },
  };
}
