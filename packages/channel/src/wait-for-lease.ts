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
