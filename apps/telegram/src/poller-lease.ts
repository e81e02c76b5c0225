import type { Redis } from 'ioredis';
import { AppError, isAppError } from '@nanobot/core';
import type { Lease } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';

export type PollerLeaseOptions = {
  lease: Lease;
  log: Logger;
  /** The lease is gone (a renewal or a fence found it taken or expired): stop sending now. */
  onLost: (reason: AppError) => void;
};

/**
 * The Telegram worker's hold on its bot's poller lease, for the whole process rather than
 * one run of the channel: once acquired it is renewed until it is released (the worker
 * stops) or found lost. A run that fails (409, 5xx, a deaf transport) leaves it held
 * through the supervisor's restart delay, and the outbound worker keeps sending meanwhile:
 * a standby would meet the same Telegram answer, and handing over would only add a second
 * sender while the first finishes its reply in hand. A process that really stops working
 * (killed, frozen) stops renewing, and a standby takes over after the TTL.
 *
 * `fence()` guards every effect done as the holder (each getUpdates, each sendMessage):
 * it checks atomically in Redis that this process's fencing token is still the current one,
 * so a holder that was frozen past its TTL and then resumed polls and sends nothing.
 */
export function createPollerLease(options: PollerLeaseOptions) {
  const { lease, log } = options;
  let renewal: NodeJS.Timeout | undefined;
  let tenure: AbortController | undefined;

  function markLost(reason: AppError): void {
    const current = tenure;
    if (current === undefined || current.signal.aborted) return;
    clearInterval(renewal);
    renewal = undefined;
    log.warn({ err: reason, token: lease.token() }, 'poller lease lost: this process stops polling and sending');
    current.abort(reason);
    options.onLost(reason);
  }

  function renewNow(): void {
    lease.renew().then(
      (kept) => {
        if (!kept) markLost(new AppError('LEASE_LOST', 'poller lease lost to another process'));
      },
      // Redis away: nobody can take the lease meanwhile, and every effect is fenced anyway.
      (err: unknown) => log.warn({ err }, 'could not renew the poller lease'),
    );
  }

  return {
    ttlMs: lease.ttlMs,
    /** True while this process believes it holds the lease (the fence decides for each effect). */
    held: (): boolean => tenure !== undefined && !tenure.signal.aborted,
    /** Aborted when the current tenure is lost; an aborted signal when none is held. */
    lostSignal: (): AbortSignal => tenure?.signal ?? AbortSignal.abort(new AppError('LEASE_LOST', 'poller lease not held')),
    /** Takes the lease unless another process holds it; true if held (now or already). */
    async acquire(): Promise<boolean> {
      if (tenure !== undefined && !tenure.signal.aborted) return true;
      if (!(await lease.acquire())) return false;
      tenure = new AbortController();
      renewal = setInterval(renewNow, Math.max(200, Math.floor(lease.ttlMs / 3)));
      return true;
    },
    /**
     * Throws LEASE_LOST unless this process's tenure is current in Redis (and then stops
     * everything done as the holder); BUS_UNAVAILABLE when Redis does not answer.
     */
    async fence(redis?: Redis): Promise<void> {
      const current = tenure;
      if (current === undefined || current.signal.aborted) {
        throw new AppError('LEASE_LOST', 'poller lease not held by this process');
      }
      try {
        await lease.fence(redis);
      } catch (err) {
        if (isAppError(err, 'LEASE_LOST') && tenure === current) markLost(err);
        throw err;
      }
    },
    /** Stops renewing and gives the lease up (call once nothing is done as the holder any more). */
    async release(): Promise<void> {
      clearInterval(renewal);
      renewal = undefined;
      const current = tenure;
      tenure = undefined;
      current?.abort(new AppError('LEASE_LOST', 'poller lease released'));
      if (current === undefined) return;
      try {
        await lease.release();
      } catch (err) {
        // It expires by itself within its TTL; a standby just waits a little longer.
        log.warn({ err }, 'could not release the poller lease');
      }
    },
    holderNow: () => lease.holderNow(),
  };
}

export type PollerLease = ReturnType<typeof createPollerLease>;
