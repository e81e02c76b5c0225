import { AppError, isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { Lease } from './create-lease.js';

export type ConnectionLeaseOptions = {
  lease: Lease;
  log: Logger;
  /** What the lease guards, for log lines ("slack connection"). */
  what: string;
  /** The lease is gone (a renewal or a fence found it taken or expired): stop acting as the holder now. */
  onLost: (reason: AppError) => void;
};

/**
 * A channel worker's hold on the lease of its one connection per account, for the whole
 * process rather than one run of the channel: acquired, then renewed every third of its TTL
 * until released (the worker stops) or found lost. A process that stops working (killed,
 * frozen) stops renewing, and a hot standby takes over after the TTL; `fence()` before an
 * effect checks in Redis that this tenure is still the current one.
 */
export function createConnectionLease(options: ConnectionLeaseOptions) {
  const { lease, log, what } = options;
  let renewal: NodeJS.Timeout | undefined;
  let tenure: AbortController | undefined;

  function markLost(reason: AppError): void {
    const current = tenure;
    if (current === undefined || current.signal.aborted) return;
    clearInterval(renewal);
    renewal = undefined;
    log.warn({ err: reason, token: lease.token() }, `${what} lease lost: this process stops`);
    current.abort(reason);
    options.onLost(reason);
  }

  function renewNow(): void {
    lease.renew().then(
      (kept) => {
        if (!kept) markLost(new AppError('LEASE_LOST', `${what} lease lost to another process`));
      },
      // Redis away: nobody can take the lease meanwhile, and effects are fenced anyway.
      (err: unknown) => log.warn({ err }, `could not renew the ${what} lease`),
    );
  }

  return {
    held: (): boolean => tenure !== undefined && !tenure.signal.aborted,
    /** Aborted when the current tenure is lost; an aborted signal when none is held. */
    lostSignal: (): AbortSignal => tenure?.signal ?? AbortSignal.abort(new AppError('LEASE_LOST', `${what} lease not held`)),
    /** Takes the lease unless another process holds it; true if held (now or already). */
    async acquire(): Promise<boolean> {
      if (tenure !== undefined && !tenure.signal.aborted) return true;
      if (!(await lease.acquire())) return false;
      tenure = new AbortController();
      renewal = setInterval(renewNow, Math.max(200, Math.floor(lease.ttlMs / 3)));
      return true;
    },
    /** Throws LEASE_LOST unless this tenure is current in Redis; BUS_UNAVAILABLE when Redis does not answer. */
    async fence(): Promise<void> {
      const current = tenure;
      if (current === undefined || current.signal.aborted) throw new AppError('LEASE_LOST', `${what} lease not held by this process`);
      try {
        await lease.fence();
      } catch (err) {
        if (isAppError(err, 'LEASE_LOST') && tenure === current) markLost(err);
        throw err;
      }
    },
    /** Stops renewing and gives the lease up (once nothing is done as the holder any more). */
    async release(): Promise<void> {
      clearInterval(renewal);
      renewal = undefined;
      const current = tenure;
      tenure = undefined;
      current?.abort(new AppError('LEASE_LOST', `${what} lease released`));
      if (current === undefined) return;
      await lease.release().catch((err: unknown) => log.warn({ err }, `could not release the ${what} lease`));
    },
    holderNow: () => lease.holderNow(),
  };
}

export type ConnectionLease = ReturnType<typeof createConnectionLease>;
