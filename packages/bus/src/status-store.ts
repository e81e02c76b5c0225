import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
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

const statusKey = (app: string, instance: string) => `${keyPrefix}status:${app}:${instance}`;

export async function writeStatus(redis: Redis, status: ProcessStatus, ttlMs: number): Promise<void> {
  await redis.set(statusKey(status.app, status.instance), JSON.stringify(status), 'PX', ttlMs);
}

export async function readStatuses(redis: Redis): Promise<ProcessStatus[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keyPrefix}status:*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as ProcessStatus)
    .sort((a, b) => `${a.app}:${a.instance}`.localeCompare(`${b.app}:${b.instance}`));
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
      await options.redis.del(`${keyPrefix}status:${options.app}:${options.instance}`);
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
