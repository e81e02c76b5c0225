import type { Logger } from '@nanobot/log';
import type { Clock } from './clock.js';

export type LivenessOptions = {
  /** A run with no reportAlive() for longer than this is declared deaf and restarted. */
  windowMs: number;
  /** How often the watchdog looks; default a quarter of the window. */
  checkEveryMs?: number;
};

export type WatchLivenessOptions = {
  name: string;
  clock: Clock;
  log: Logger;
  liveness: LivenessOptions;
  /** How long a deaf run may take to settle after its signal is aborted. */
  stopDeadlineMs: number;
  /** Start of the silence: max(startedAt, lastAliveAt) of the current run. */
  lastActivityAt: () => number;
  /** False while stopping: the watchdog only judges a running transport. */
  isRunning: () => boolean;
  /** Aborts the current run's signal. */
  onDeaf: (silentMs: number) => void;
  /** Aborted when the run settles or a stop is requested. */
  signal: AbortSignal;
};

export type WatchOutcome = 'cancelled' | 'hung';

/**
 * The deaf-transport watchdog (design-notes F1): a transport can look connected while no
 * getUpdates / pong completes. Health is judged only by reportAlive(), which the channel calls on
 * transport activity, never by user messages, so a quiet chat is never restarted (F3).
 *
 * Resolves 'hung' when it declared the run deaf and the run did not settle within stopDeadlineMs,
 * 'cancelled' once `signal` is aborted.
 */
export async function watchLiveness(options: WatchLivenessOptions): Promise<WatchOutcome> {
  const { clock, liveness, signal } = options;
  const checkEveryMs = liveness.checkEveryMs ?? Math.max(1, Math.floor(liveness.windowMs / 4));
  while (!signal.aborted) {
    await clock.sleep(checkEveryMs, signal);
    if (signal.aborted || !options.isRunning()) continue;
    const silentMs = clock.now() - options.lastActivityAt();
    if (silentMs <= liveness.windowMs) continue;
    const seconds = Math.round(silentMs / 1000);
    options.log.warn(
      { silentMs, windowMs: liveness.windowMs },
      `${options.name} transport is deaf: no activity for ${seconds}s, restarting...`,
    );
    options.onDeaf(silentMs);
    await clock.sleep(options.stopDeadlineMs, signal);
    return signal.aborted ? 'cancelled' : 'hung';
  }
  return 'cancelled';
}
