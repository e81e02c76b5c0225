import { AppError, describeError, isAppError, toAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { restartDelayMs } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { createRunner, type ChannelContext, type RunOutcome } from './create-runner.js';
import { createStateStore, type StateListener, type SupervisorState } from './state-store.js';
import type { LivenessOptions } from './watch-liveness.js';
import { createTroubleEpisodes, redisTroubleRetryMaxMs } from './redis-trouble-episodes.js';

export type SupervisorOptions = {
  /** Channel name used in log lines and status, e.g. 'telegram'. */
  name: string;
  /** The channel's start(): runs until its signal is aborted or the transport breaks. */
  run: (ctx: ChannelContext) => Promise<void>;
  log: Logger;
  clock?: Clock;
  /** A run that lasted at least this long resets the failure count (default 60 s). */
  stableRunMs?: number;
  liveness?: LivenessOptions;
  /** How long a run may take to settle after its signal is aborted (default 10 s). */
  stopDeadlineMs?: number;
  /** Delay before restart; default restartDelayMs (backoff, retryAfterMs, slow CHANNEL_FATAL). */
  delayMs?: (failures: number, err: unknown) => number;
  /** Called with a fresh copy on every change (status in Redis). */
  onState?: StateListener;
  /** Names Redis trouble behind a failure (default redisRefusalOf): held calmly, logged once per episode. */
  troubleOf?: (err: unknown) => string | undefined;
};

export type Supervisor = {
  /** Runs the channel until stop(); rejects (state 'failed') only when a run cannot be stopped. */
  start(): Promise<void>;
  /** Ends the loop; rejects with STOP_TIMEOUT if the run does not settle in time. Idempotent. */
  stop(reason?: string): Promise<void>;
  /**
   * Ends the current run (or cuts the backoff short) and starts the channel again at once, without
   * counting a failure: `pm2 trigger <app> restart-channel` and the `/restart` chat command.
   * Returns false when the loop is not running (not started, stopping or stopped).
   */
  restartLoop(reason: string): boolean;
  state(): SupervisorState;
};

type FailedOutcome = Exclude<RunOutcome, { kind: 'hung' }>;

function errorCodeOf(err: unknown): string | null {
  if (isAppError(err)) return err.code;
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}

/** start()'s promise, settled by the loop or by a stop deadline, whichever comes first. */
function createDeferred(): { promise: Promise<void>; resolve(): void; reject(err: AppError): void } {
  let resolve: () => void = () => undefined;
  let reject: (err: AppError) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** pino serializes Errors well; anything else thrown is wrapped so the log keeps its shape. */
const asLoggableError = (err: unknown): Error => (err instanceof Error ? err : toAppError(err));

/**
 * The in-process restart loop of a channel worker (ARCHITECTURE "Supervision", layer 1): a channel
 * that returns or throws is restarted with exponential backoff; only a requested stop ends the loop.
 * The log lines are a grep-able contract shared with the original nanobot fix.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { name, log } = options;
  const clock = options.clock ?? systemClock;
  const stableRunMs = options.stableRunMs ?? 60_000;
  const stopDeadlineMs = options.stopDeadlineMs ?? 10_000;
  const delayMs = options.delayMs ?? restartDelayMs;
  const store = createStateStore({ name, livenessWindowMs: options.liveness?.windowMs, clock, log, onState: options.onState });
  const stopController = new AbortController();
  const stopSignal = stopController.signal;
  const runner = createRunner({ ...options, clock, store, stopDeadlineMs, stopSignal, liveness: options.liveness });
  const episodes = createTroubleEpisodes({ name, log, ...(options.troubleOf ? { troubleOf: options.troubleOf } : {}) });
  const done = createDeferred();
  let loopPromise: Promise<void> | undefined;
  let stopPromise: Promise<void> | undefined;
  let finished = false;
  /** Aborted by restartLoop(); replaced once the restart it asked for happened. */
  let restartController = new AbortController();
  let restartReason: string | null = null;

  /** A requested restart was carried out: the next run starts now, with a fresh signal. */
  function takeRestart(): boolean {
    if (restartReason === null) return false;
    log.info({ reason: restartReason }, `${name} channel restart requested: starting it again now`);
    restartReason = null;
    restartController = new AbortController();
    return true;
  }

  function finish(err?: AppError): void {
    if (finished) return;
    finished = true;
    if (err) {
      const lastError = describeError(err);
      log.error({ err }, `${name} supervisor failed: ${lastError}`);
      store.update({ state: 'failed', startedAt: null, nextRetryAt: null, lastError, lastErrorCode: err.code });
      done.reject(err);
      return;
    }
    store.update({ state: 'stopped', startedAt: null, nextRetryAt: null });
    log.info(`${name} channel stopped`);
    done.resolve();
  }

  const stopTimeout = (after: string): AppError =>
    new AppError('STOP_TIMEOUT', `${name} channel did not settle within ${stopDeadlineMs} ms after ${after}`, {
      details: { channel: name, stopDeadlineMs },
    });

  /** Logs a failed run and returns the error that explains it. */
  function describeFailure(outcome: FailedOutcome): unknown {
    switch (outcome.kind) {
      case 'returned':
        log.warn(`${name} channel stopped unexpectedly, restarting...`);
        return new AppError('CHANNEL_UNAVAILABLE', `${name} channel stopped unexpectedly`);
      case 'threw':
        if (episodes.note(outcome.err) === undefined) log.error({ err: asLoggableError(outcome.err) }, `${name} channel error: ${describeError(outcome.err)}`);
        return outcome.err;
      case 'deaf':
        return outcome.err; // the watchdog already logged it
      default: {
        const unexpected: never = outcome;
        return unexpected;
      }
    }
  }

  /** Counts the failure and waits the restart delay (cut short by stop). */
  async function backoff(outcome: FailedOutcome, ranMs: number): Promise<void> {
    const sleepSignal = AbortSignal.any([stopSignal, restartController.signal]);
    if (ranMs >= stableRunMs) episodes.end();
    const err = describeFailure(outcome);
    const previous = ranMs >= stableRunMs ? 0 : store.current().consecutiveFailures;
    const consecutiveFailures = previous + 1;
    const held = outcome.kind === 'threw' && episodes.active();
    const waitMs = held ? Math.min(delayMs(consecutiveFailures, err), redisTroubleRetryMaxMs) : delayMs(consecutiveFailures, err);
    if (!held) log.info({ delayMs: waitMs, consecutiveFailures }, `Restarting ${name} channel in ${Math.ceil(waitMs / 1000)}s...`);
    store.update({
      state: 'backoff', consecutiveFailures, lastError: describeError(err), lastErrorCode: errorCodeOf(err),
      nextRetryAt: clock.now() + waitMs, startedAt: null,
    });
    await clock.sleep(waitMs, sleepSignal);
  }

  async function loop(): Promise<void> {
    for (let restarts = 0; !stopSignal.aborted; restarts++) {
      const outcome = await runner.runOnce(restarts, restartController.signal);
      const ranMs = clock.now() - (store.current().startedAt ?? clock.now());
      if (finished) return; // a stop deadline already failed this supervisor
      if (outcome.kind === 'hung') return finish(stopTimeout('the watchdog aborted it'));
      if (stopSignal.aborted) {
        if (outcome.kind === 'threw') {
          const message = `${name} channel ended with an error while stopping: ${describeError(outcome.err)}`;
          log.info({ err: asLoggableError(outcome.err) }, message);
        }
        break;
      }
      if (takeRestart()) continue;
      await backoff(outcome, ranMs);
      takeRestart();
    }
    finish();
  }

  async function waitForStop(): Promise<void> {
    const deadline = new AbortController();
    const inTime = await Promise.race([
      done.promise.then(() => true, () => true),
      clock.sleep(stopDeadlineMs, deadline.signal).then(() => false),
    ]);
    deadline.abort();
    if (inTime) return done.promise;
    const err = stopTimeout('stop was requested');
    finish(err);
    throw err;
  }

  return {
    start() {
      loopPromise ??= loop().catch((err: unknown) => finish(toAppError(err)));
      return done.promise;
    },
    stop(reason = 'requested') {
      if (stopPromise) return stopPromise;
      // An AbortError reason, so fetch-based transports reject the way they do for any abort.
      const abortReason = new DOMException(`${name} channel stop requested: ${reason}`, 'AbortError');
      if (!loopPromise || finished) {
        stopController.abort(abortReason); // before start(): a later start() ends at once
        return Promise.resolve();
      }
      log.info({ reason }, `Stopping ${name} channel...`);
      store.update({ state: 'stopping', nextRetryAt: null });
      stopController.abort(abortReason);
      stopPromise = waitForStop();
      return stopPromise;
    },
    restartLoop(reason) {
      if (!loopPromise || finished || stopSignal.aborted) return false;
      if (restartReason !== null) return true; // one restart is already on its way
      restartReason = reason;
      log.info({ reason }, `Restarting ${name} channel on request...`);
      restartController.abort(new DOMException(`${name} channel restart requested: ${reason}`, 'AbortError'));
      return true;
    },
    state: () => store.snapshot(),
  };
}
