import { AppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { Clock } from './clock.js';
import type { StateStore } from './state-store.js';
import { watchLiveness, type LivenessOptions, type WatchOutcome } from './watch-liveness.js';

export type ChannelContext = {
  /** Aborted on stop() or when the watchdog declares the transport deaf. */
  signal: AbortSignal;
  /** Call after each completed getUpdates / pong: transport activity, not user traffic. */
  reportAlive(): void;
  /** Extra fields shown in status (merged into `extra`). */
  reportState(partial: Record<string, unknown>): void;
};

/** How one run ended. 'hung': the watchdog aborted it and it did not settle in time. */
export type RunOutcome =
  | { kind: 'returned' }
  | { kind: 'threw'; err: unknown }
  | { kind: 'deaf'; err: AppError }
  | { kind: 'hung' };

export type RunnerOptions = {
  name: string;
  run: (ctx: ChannelContext) => Promise<void>;
  clock: Clock;
  log: Logger;
  store: StateStore;
  liveness: LivenessOptions | undefined;
  stopDeadlineMs: number;
  /** The supervisor's stop signal: aborts the current run and its watchdog. */
  stopSignal: AbortSignal;
};

/** Forwards an abort of `from` to `to`; returns the unlink function. */
function linkAbort(from: AbortSignal, to: AbortController): () => void {
  if (from.aborted) to.abort(from.reason);
  const forward = (): void => to.abort(from.reason);
  from.addEventListener('abort', forward, { once: true });
  return () => from.removeEventListener('abort', forward);
}

/** Calls run, turning a synchronous throw or any rejection (Error or not) into an outcome. */
function invoke(run: RunnerOptions['run'], ctx: ChannelContext): Promise<RunOutcome> {
  let pending: Promise<void>;
  try {
    pending = Promise.resolve(run(ctx));
  } catch (err) {
    pending = Promise.reject(err);
  }
  return pending.then(
    (): RunOutcome => ({ kind: 'returned' }),
    (err: unknown): RunOutcome => ({ kind: 'threw', err }),
  );
}

/**
 * Builds `runOnce()`: one start of the channel with its own AbortController (linked to stop),
 * watched by the liveness watchdog when configured. Resolves when the run settles.
 */
export function createRunner(options: RunnerOptions): { runOnce(restarts: number, restartSignal?: AbortSignal): Promise<RunOutcome> } {
  const { name, clock, log, store } = options;
  let currentId = 0;

  function watch(startedAt: number, runController: AbortController, signal: AbortSignal) {
    let deafError: AppError | undefined;
    const outcome: Promise<WatchOutcome> = options.liveness
      ? watchLiveness({
          name, clock, log, signal, liveness: options.liveness, stopDeadlineMs: options.stopDeadlineMs,
          isRunning: () => store.current().state === 'running',
          lastActivityAt: () => Math.max(startedAt, store.current().lastAliveAt ?? startedAt),
          onDeaf: (silentMs) => {
            deafError = new AppError('CHANNEL_UNAVAILABLE', `${name} transport is deaf`, { details: { silentMs } });
            runController.abort(deafError);
          },
        })
      : new Promise<never>(() => undefined);
    return { outcome, deafError: () => deafError };
  }

  /** `restartSignal` (restartLoop) aborts this run only; the watchdog keeps watching until it settles. */
  async function runOnce(restarts: number, restartSignal?: AbortSignal): Promise<RunOutcome> {
    const id = ++currentId;
    const runController = new AbortController();
    const watchController = new AbortController();
    const unlinkRun = linkAbort(options.stopSignal, runController);
    const unlinkRestart = restartSignal === undefined ? () => undefined : linkAbort(restartSignal, runController);
    const unlinkWatch = linkAbort(options.stopSignal, watchController);
    const ctx: ChannelContext = {
      signal: runController.signal,
      // A previous run that is still winding down must not vouch for the current one.
      reportAlive: () => (id === currentId ? store.markAlive() : undefined),
      reportState: (partial) => (id === currentId ? store.mergeExtra(partial) : undefined),
    };
    log.info(`Starting ${name} channel...`);
    const startedAt = clock.now();
    store.update({ state: 'starting', startedAt, nextRetryAt: null, restarts });
    const settled = invoke(options.run, ctx);
    if (store.current().state === 'starting') store.update({ state: 'running' });
    const watchdog = watch(startedAt, runController, watchController.signal);
    const first = await Promise.race([settled, watchdog.outcome]);
    watchController.abort();
    unlinkRun();
    unlinkRestart();
    unlinkWatch();
    if (first === 'hung') return { kind: 'hung' };
    const outcome = first === 'cancelled' ? await settled : first;
    const deafError = watchdog.deafError();
    return deafError ? { kind: 'deaf', err: deafError } : outcome;
  }

  return { runOnce };
}
