import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import { primariesOf } from './cluster-nodes.js';
import { keyPrefix } from './queue-names.js';

/** What each process publishes about itself; `nanobot status` reads it from any machine. */
export type ProcessStatus = {
  app: string;
  instance: string;
  pid: number;
  host: string;
  updatedAt: number;
  channels: Record<string, Record<string, unknown>>;
};

/** Keyed by host too: pm2 numbers instances from 0 on every host. */
const statusKey = (status: Pick<ProcessStatus, 'app' | 'host' | 'instance'>) => `${keyPrefix}status:${status.app}:${status.host}:${status.instance}`;

/** Every host that published a status record, with when it last did (a hash: host → ms). */
export const hostsKey = () => `${keyPrefix}hosts`;

/** A host not heard from for this long leaves `nanobot status` (and the hosts hash) altogether. */
export const forgetHostAfterMs = 7 * 24 * 3_600_000;

export async function writeStatus(redis: Redis, status: ProcessStatus, ttlMs: number): Promise<void> {
  // Two plain commands: a MULTI on a connection with BullMQ's scripts builds a large pipeline
  // object (worker-liveness.ts), and the two need no atomicity (the next write redoes both).
  await Promise.all([redis.set(statusKey(status), JSON.stringify(status), 'PX', ttlMs), redis.hset(hostsKey(), status.host, String(status.updatedAt))]);
}

export type HostSeen = { host: string; lastSeenAt: number };

/** The hosts that ever reported, newest first; hosts silent for `forgetHostAfterMs` are dropped from the hash. */
export async function readHosts(redis: Redis, now = Date.now()): Promise<HostSeen[]> {
  const all = await redis.hgetall(hostsKey());
  const hosts = Object.entries(all).map(([host, at]) => ({ host, lastSeenAt: Number(at) }));
  const forgotten = hosts.filter((h) => !(now - h.lastSeenAt < forgetHostAfterMs)).map((h) => h.host);
  if (forgotten.length > 0) await redis.hdel(hostsKey(), ...forgotten);
  return hosts.filter((h) => !forgotten.includes(h.host)).sort((a, b) => b.lastSeenAt - a.lastSeenAt);
}

export async function readStatuses(redis: Redis): Promise<ProcessStatus[]> {
  const keys: string[] = [];
  // On a cluster every primary is scanned: SCAN sees only the keys of the node it is sent to.
  for (const node of primariesOf(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${keyPrefix}status:*`, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as ProcessStatus)
    .sort((a, b) => `${a.app}:${a.host}:${a.instance}`.localeCompare(`${b.app}:${b.host}:${b.instance}`));
}

export type StatusReporterOptions = {
  redis: Redis;
  app: string;
  instance: string;
  pid: number;
  host: string;
  channels: () => ProcessStatus['channels'];
  onError: (err: unknown) => void;
  intervalMs?: number;
};

/**
 * Publishes this process's status every few seconds with a TTL three times as
 * long, so a process that died disappears from `nanobot status` by itself.
 */
export function createStatusReporter(options: StatusReporterOptions) {
  const intervalMs = options.intervalMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  const publish = async (): Promise<void> => {
    await writeStatus(
      options.redis,
      {
        app: options.app,
        instance: options.instance,
        pid: options.pid,
        host: options.host,
        updatedAt: Date.now(),
        channels: options.channels(),
      },
      intervalMs * 3,
    );
  };
  const tick = () => void publish().catch(options.onError);
  let soon: NodeJS.Timeout | undefined;
  return {
    publish,
    /** Publishes a change within ~200 ms, coalescing bursts (state transitions, alive reports). */
    publishSoon(): void {
      if (soon !== undefined) return;
      soon = setTimeout(() => {
        soon = undefined;
        tick();
      }, 200);
    },
    /**
     * Publishes once the connection is ready (a producer connection refuses commands before
     * that, and the next tick is seconds away), then every `intervalMs`. Resolves after the
     * first attempt, so a process can say `ready` only once `nanobot status` can see it.
     */
    async start(): Promise<void> {
      timer = setInterval(tick, intervalMs);
      try {
        await untilReady(options.redis, intervalMs);
        await publish();
      } catch (err) {
        options.onError(err);
      }
    },
    async stop(): Promise<void> {
      if (timer !== undefined) clearInterval(timer);
      if (soon !== undefined) clearTimeout(soon);
      await options.redis.del(statusKey(options));
    },
  };
}

/** Resolves when `redis` is ready to take commands; rejects after `timeoutMs`. */
function untilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      redis.off('ready', ready);
      reject(new AppError('BUS_UNAVAILABLE', `redis not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    function ready() {
      clearTimeout(timeout);
      resolve();
    }
    redis.once('ready', ready);
  });
}
