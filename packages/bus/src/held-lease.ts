import type { Redis } from 'ioredis';
import { AppError, isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { Lease } from './create-lease.js';

export type HeldLeaseOptions = {
  lease: Lease;
  log: Logger;
  /** What the lease guards, for log lines ("gateway connection"). */
  what: string;
  /** The lease is gone (a renewal or a fence found it taken or expired): stop acting as the holder now. */
  onLost: (reason: AppError) => void;
};

/**
 * A channel worker's hold on the lease of its account (one connection per account in the
 * cluster, the other instances hot standbys), for the life of the process rather than one
 * run of the channel: once acquired it is renewed every third of its TTL until released or
 * found lost. A failed run keeps it through the restart delay; a process that stops renewing
 * (killed, frozen) loses it after the TTL and a standby takes over.
 *
 * `fence()` guards each effect done as the holder: it checks in Redis that this process's
 * fencing token is still the current one, so a holder resumed after its TTL does nothing.
 */
export function createHeldLease(options: HeldLeaseOptions) {
  const { lease, log, what } = options;
  let renewal: NodeJS.Timeout | undefined;
  let tenure: AbortController | undefined;

  function lose(reason: AppError): void {
    const current = tenure;
    if (current === undefined || current.signal.aborted) return;
    clearInterval(renewal);
    renewal = undefined;
    log.warn({ err: reason, token: lease.token() }, `${what} lease lost: this process stops`);
    current.abort(reason);
    options.onLost(reason);
  }

  const renew = (): void => {
    lease.renew().then(
      (kept) => {
        if (!kept) lose(new AppError('LEASE_LOST', `${what} lease taken by another process`));
      },
      // Redis away: nobody can take it meanwhile, and every effect is fenced.
      (err: unknown) => log.warn({ err }, `could not renew the ${what} lease`),
    );
  };

  return {
    ttlMs: lease.ttlMs,
    held: (): boolean => tenure !== undefined && !tenure.signal.aborted,
    /** Aborted when the current tenure ends; already aborted when none is held. */
    lostSignal: (): AbortSignal => tenure?.signal ?? AbortSignal.abort(new AppError('LEASE_LOST', `${what} lease not held`)),
    /** True if this process holds the lease (now, or already). */
    async acquire(): Promise<boolean> {
      if (tenure !== undefined && !tenure.signal.aborted) return true;
      if (!(await lease.acquire())) return false;
      tenure = new AbortController();
      renewal = setInterval(renew, Math.max(200, Math.floor(lease.ttlMs / 3)));
      return true;
    },
    /** Throws LEASE_LOST unless this tenure is current in Redis; BUS_UNAVAILABLE when Redis does not answer. */
    async fence(redis?: Redis): Promise<void> {
      const current = tenure;
      if (current === undefined || current.signal.aborted) throw new AppError('LEASE_LOST', `${what} lease not held by this process`);
      try {
        await lease.fence(redis);
      } catch (err) {
        if (isAppError(err, 'LEASE_LOST') && tenure === current) lose(err);
        throw err;
      }
    },
    /** Stops renewing and gives the lease up (once nothing more is done as the holder). */
    async release(): Promise<void> {
      clearInterval(renewal);
      renewal = undefined;
      const current = tenure;
      tenure = undefined;
      if (current === undefined) return;
      current.abort(new AppError('LEASE_LOST', `${what} lease released`));
      await lease.release().catch((err: unknown) => log.warn({ err }, `could not release the ${what} lease; it expires by itself`));
    },
    holderNow: () => lease.holderNow(),
  };
}

export type HeldLease = ReturnType<typeof createHeldLease>;
