import type { Logger } from '@nanobot/log';
import type { Clock } from './clock.js';

export type SupervisorState = {
  name: string;
  state: 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'failed';
  /** How many times run() was started again after the first start. */
  restarts: number;
  consecutiveFailures: number;
  /** describeError(err): code and message, no stack. */
  lastError: string | null;
  lastErrorCode: string | null;
  /** Epoch ms while in backoff. */
  nextRetryAt: number | null;
  /** Last reportAlive() of the current run's transport. */
  lastAliveAt: number | null;
  /** When the current run started; null while no run is active. */
  startedAt: number | null;
  /**
   * The watchdog's window: a transport silent for longer is deaf. Published with the state so a
   * reader (the dashboard's /health) judges liveness by the channel's own rule; null without one.
   */
  livenessWindowMs: number | null;
  extra: Record<string, unknown>;
};

export type StateListener = (state: SupervisorState) => void;

/** Alive-only updates reach the listener at most this often (clock time). */
const aliveThrottleMs = 1000;

export type StateStore = {
  current(): Readonly<SupervisorState>;
  snapshot(): SupervisorState;
  /** Applies a change and tells the listener. */
  update(change: Partial<Omit<SupervisorState, 'name' | 'extra'>>): void;
  mergeExtra(partial: Record<string, unknown>): void;
  markAlive(): void;
};

/**
 * Holds the supervisor's status and reports every change to `onState` (meant for a status
 * record in Redis). A listener that throws or rejects is logged and never breaks the loop.
 */
export function createStateStore(options: {
  name: string;
  livenessWindowMs?: number | undefined;
  clock: Clock;
  log: Logger;
  onState: StateListener | undefined;
}): StateStore {
  const { name, clock, log, onState } = options;
  const state: SupervisorState = {
    name,
    state: 'stopped',
    restarts: 0,
    consecutiveFailures: 0,
    lastError: null,
    lastErrorCode: null,
    nextRetryAt: null,
    lastAliveAt: null,
    startedAt: null,
    livenessWindowMs: options.livenessWindowMs ?? null,
    extra: {},
  };
  let lastAliveEmitAt: number | null = null;

  const snapshot = (): SupervisorState => ({ ...state, extra: { ...state.extra } });

  function emit(): void {
    if (!onState) return;
    try {
      const result: unknown = onState(snapshot());
      if (result instanceof Promise) {
        result.catch((err: unknown) => log.warn({ err }, `${name} state listener failed`));
      }
    } catch (err) {
      log.warn({ err }, `${name} state listener failed`);
    }
  }

  return {
    current: () => state,
    snapshot,
    update(change) {
      Object.assign(state, change);
      emit();
    },
    mergeExtra(partial) {
      Object.assign(state.extra, partial);
      emit();
    },
    markAlive() {
      const now = clock.now();
      state.lastAliveAt = now;
      if (lastAliveEmitAt !== null && now - lastAliveEmitAt < aliveThrottleMs) return;
      lastAliveEmitAt = now;
      emit();
    },
  };
}
