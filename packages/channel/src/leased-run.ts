import { setTimeout as sleep } from 'node:timers/promises';
import type { HeldLease } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';

export type LeaseWaitOptions = {
  lease: HeldLease;
  log: Logger;
  /** What the lease guards, for log lines ("slack connection"). */
  what: string;
  /** How often a standby asks for the lease (default 1 s). */
  retryMs?: number;
};

/**
 * Waits, as a hot standby, until this process holds the account's lease; false if the run
 * was stopped meanwhile. Waiting is a standby's normal activity, so it feeds the watchdog.
 */
export function createLeaseWait(options: LeaseWaitOptions): (ctx: ChannelContext) => Promise<boolean> {
  const { lease, log, what } = options;
  let announced = false;
  return async (ctx) => {
    while (!ctx.signal.aborted) {
      const heldBefore = lease.held();
      if (await lease.acquire()) {
        if (!heldBefore) log.info({ lease: what }, 'lease held: this process is the active one');
        announced = false;
        return true;
      }
      // Once per stretch of waiting, not every second.
      if (!announced) log.info({ lease: what, holder: await lease.holderNow() }, 'another process holds the lease; waiting as standby');
      announced = true;
      ctx.reportState({ role: 'standby' });
      ctx.reportAlive();
      await sleep(options.retryMs ?? 1_000, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
    return false;
  };
}

export type LeasedRunOptions = {
  /** Undefined for a channel without a lease: every run goes straight to the channel. */
  lease: HeldLease | undefined;
  waitForLease: ((ctx: ChannelContext) => Promise<boolean>) | undefined;
  /** Called once this process holds the lease, before the channel's run (idempotent). */
  onActive: () => void;
  prepare?: ((ctx: ChannelContext) => Promise<void>) | undefined;
  run: (ctx: ChannelContext) => Promise<void>;
};

/**
 * One supervised run under the lease: `prepare`, the standby wait, then the channel's run with
 * the tenure in its signal. A run ended by a lost lease throws LEASE_LOST, so the supervisor
 * waits (1 s) and the next run waits as a standby.
 */
export function createLeasedRun(options: LeasedRunOptions): (ctx: ChannelContext) => Promise<void> {
  const { lease, waitForLease } = options;
  return async (ctx) => {
    await options.prepare?.(ctx);
    if (lease === undefined || waitForLease === undefined) return options.run(ctx);
    if (!(await waitForLease(ctx))) return;
    ctx.reportState({ role: 'active' });
    const lost = lease.lostSignal();
    options.onActive();
    await options.run({ ...ctx, signal: AbortSignal.any([ctx.signal, lost]) });
    if (lost.aborted && !ctx.signal.aborted) throw lost.reason;
  };
}
