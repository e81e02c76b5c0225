import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Api } from 'grammy';
import { AppError, type InboundMessage } from '@nanobot/core';
import type { Queues } from '@nanobot/bus';
import type { Config } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import { startFakeTelegram, type FakeTelegram } from '@nanobot/testkit';
import { createTelegramChannel } from './telegram-channel.js';

const log = createLogger({ name: 'telegram-channel-test', level: 'silent' });

/** The lease as the channel sees it (the kit holds it): a fence, and a tenure whose end aborts the run. */
type TestLease = { lostSignal: () => AbortSignal; fence: () => Promise<void> };
/** A lease that is always held: this test is about the channel, not about Redis. */
const heldLease: TestLease = { lostSignal: () => new AbortController().signal, fence: async () => undefined };

const noPresence = { arrived: () => undefined };

describe('the Telegram channel run', () => {
  let telegram: FakeTelegram;
  let stop: AbortController;
  let queued: InboundMessage[];
  let running: Promise<void> | undefined;

  beforeEach(async () => {
    telegram = await startFakeTelegram();
    stop = new AbortController();
    queued = [];
    running = undefined;
  });

  afterEach(async () => {
    stop.abort();
    // Closing ends any hung request, so a run that ignores its signal settles too.
    await telegram.close();
    await running?.catch(() => undefined);
  });

  /** Runs the channel as the kit does for the lease holder: prepare, then run with the tenure in its signal. */
  function start(menuTimeoutMs?: number, lease: TestLease = heldLease): Promise<void> {
    const settings = { token: telegram.token, apiRoot: telegram.apiRoot, allowFrom: ['*'], groupPolicy: 'open', pollTimeoutS: 1 };
    const queues = { addInbound: async (message: InboundMessage) => void queued.push(message) } as unknown as Queues;
    const channel = createTelegramChannel({
      api: new Api(telegram.token, { apiRoot: telegram.apiRoot }),
      queues,
      producer: undefined as never,
      settings: settings as Config['channels']['telegram'],
      log,
      presence: noPresence,
      fence: lease.fence,
      ...(menuTimeoutMs === undefined ? {} : { menuTimeoutMs }),
    });
    const ctx = { signal: AbortSignal.any([stop.signal, lease.lostSignal()]), reportAlive: () => undefined, reportState: () => undefined };
    running = channel.prepare(ctx).then(() => channel.run(ctx));
    return running;
  }

  it('polls although setMyCommands hangs, giving up the menu after its timeout', async () => {
    telegram.setFault('setMyCommands', { kind: 'hang' });
    // Ended by afterEach; what the run queued is the assertion, not how it ends.
    void start(300).catch(() => undefined);
    telegram.injectMessage({ chatId: 5, text: 'menu or not' });
    await telegram.waitFor(() => queued.length === 1, 5_000);
    expect(queued.map((m) => (m.kind === 'message' ? m.text : m.command))).toEqual(['menu or not']);
    expect(telegram.calls('setMyCommands')).toMatchObject([{ fault: 'hang' }]);
  });

  it('settles promptly when stopped while setMyCommands hangs', async () => {
    telegram.setFault('setMyCommands', { kind: 'hang' });
    const run = start().then(
      () => 'settled',
      () => 'settled',
    );
    await telegram.waitFor(() => telegram.calls('setMyCommands').length === 1, 5_000);
    const stoppedAt = Date.now();
    stop.abort();
    const outcome = await Promise.race([run, new Promise((r) => setTimeout(() => r('still running'), 2_000))]);
    expect(outcome).toBe('settled');
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
  });

  it('calls getUpdates no more once the lease is lost, not even to confirm the last offset', async () => {
    const tenure = new AbortController();
    let lost = false;
    const lease: TestLease = {
      ...heldLease,
      lostSignal: () => tenure.signal,
      fence: async () => {
        if (lost) throw new AppError('LEASE_LOST', 'poller lease not held by this process');
      },
    };
    const run = start(undefined, lease).then(
      () => 'returned',
      (err: unknown) => err,
    );
    telegram.injectMessage({ chatId: 6, text: 'queued, not yet confirmed' });
    await telegram.waitFor(() => queued.length === 1, 5_000);
    // The next poll carries the new offset: it is in flight when the lease goes.
    await telegram.waitFor(() => telegram.calls('getUpdates').some((c) => c.params.offset !== undefined), 5_000);
    // Counted, not timed: a call recorded in the same millisecond as the loss would pass for a later one.
    const callsBefore = telegram.calls('getUpdates').length;
    lost = true;
    tenure.abort(new AppError('LEASE_LOST', 'poller lease lost to another process'));
    // The run ends (the kit then throws the lost lease's reason) without another getUpdates.
    const outcome = await run;
    expect(outcome === 'returned' || (outcome as { code?: string }).code === 'LEASE_LOST').toBe(true);
    expect(telegram.calls('getUpdates')).toHaveLength(callsBefore);
  });
});
