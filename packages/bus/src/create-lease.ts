import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import { keyPrefix } from './queue-names.js';

/**
 * A lease in Redis that makes one process the only one doing something (polling a
 * bot token, owning a WhatsApp session). The value is the holder's identity; a
 * holder keeps it by renewing well inside the TTL. A process restarted by pm2 in
 * the same slot (same `holder`) takes its dead predecessor's lease back at once
 * instead of waiting for it to expire; anyone else waits for the TTL.
 */
const acquireScript = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const renewScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const releaseScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

export type LeaseOptions = {
  redis: Redis;
  /** What is leased, e.g. `telegram:123456` (never a secret). */
  name: string;
  /** Stable across restarts of the same pm2 slot, unique across slots and hosts. */
  holder: string;
  ttlMs: number;
};

export function createLease(options: LeaseOptions) {
  const key = `${keyPrefix}lease:${options.name}`;
  const run = async (script: string, ...args: (string | number)[]) => {
    try {
      return Number(await options.redis.eval(script, 1, key, ...args));
    } catch (cause) {
      // A Redis outage, not a fault of what holds the lease: callers retry soon.
      throw new AppError('BUS_UNAVAILABLE', `lease ${options.name}: redis unavailable`, { cause });
    }
  };
  return {
    key,
    ttlMs: options.ttlMs,
    /** True when this holder has the lease now. */
    acquire: async () => (await run(acquireScript, options.holder, options.ttlMs)) === 1,
    /** False when the lease was lost (expired and taken, or deleted). */
    renew: async () => (await run(renewScript, options.holder, options.ttlMs)) === 1,
    release: async () => (await run(releaseScript, options.holder)) === 1,
    holderNow: () => options.redis.get(key),
  };
}

export type Lease = ReturnType<typeof createLease>;
