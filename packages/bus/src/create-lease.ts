import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import { keyPrefix } from './queue-names.js';

/**
 * A lease in Redis that makes one process the only one doing something (polling a
 * bot token, sending its replies). The value is the holder's identity; a holder keeps
 * it by renewing well inside the TTL. A process restarted by pm2 in the same slot
 * (same `holder`) takes its dead predecessor's lease back at once instead of waiting
 * for it to expire; anyone else waits for the TTL.
 *
 * Every acquisition also increments a fencing counter next to the lease and the
 * holder remembers the value it got (its token). Renewing, releasing and `fence()`
 * succeed only while the lease is this holder's AND the counter still shows its
 * token: a process that was frozen (SIGSTOP, a long GC pause) past its TTL wakes up
 * with a token that is no longer current, even if the lease was taken over by a
 * restarted process of the same slot, and so does nothing more in the lease's name.
 */
const acquireScript = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('INCR', KEYS[2])`;

const isCurrent = `redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2]`;

const renewScript = `
if not (${isCurrent}) then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

const releaseScript = `
if not (${isCurrent}) then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

const fenceScript = `
if ${isCurrent} then return 1 end
return 0`;

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
  const tokenKey = `${key}:token`;
  /** The fencing token of this holder's current tenure; 0 when it holds none. */
  let token = 0;
  const run = async (script: string, args: (string | number)[], redis: Redis = options.redis) => {
    try {
      return Number(await redis.eval(script, 2, key, tokenKey, ...args));
    } catch (cause) {
      // A Redis outage, not a fault of what holds the lease: callers retry soon.
      throw new AppError('BUS_UNAVAILABLE', `lease ${options.name}: redis unavailable`, { cause });
    }
  };
  const lost = () => new AppError('LEASE_LOST', `lease ${options.name} is no longer held by ${options.holder}`, {
    details: { lease: options.name, token },
  });
  return {
    key,
    tokenKey,
    ttlMs: options.ttlMs,
    /** True when this holder has the lease now; it then has a new fencing token. */
    async acquire(): Promise<boolean> {
      const got = await run(acquireScript, [options.holder, options.ttlMs]);
      if (got > 0) token = got;
      return got > 0;
    },
    /** False when the lease was lost (expired, taken, or acquired again under a newer token). */
    async renew(): Promise<boolean> {
      if (token === 0) return false;
      return (await run(renewScript, [options.holder, token, options.ttlMs])) === 1;
    },
    async release(): Promise<boolean> {
      if (token === 0) return false;
      const released = (await run(releaseScript, [options.holder, token])) === 1;
      token = 0;
      return released;
    },
    /**
     * Resolves only while this tenure is still the current one, checked atomically in Redis;
     * throws LEASE_LOST otherwise (BUS_UNAVAILABLE when Redis fails). Call it right before
     * every effect done in the lease's name. `redis` picks the connection (e.g. one that
     * waits through an outage instead of failing).
     */
    async fence(redis?: Redis): Promise<void> {
      if (token === 0 || (await run(fenceScript, [options.holder, token], redis)) !== 1) throw lost();
    },
    /** The fencing token of the current tenure (0: none). */
    token: () => token,
    holderNow: () => options.redis.get(key),
  };
}

export type Lease = ReturnType<typeof createLease>;
