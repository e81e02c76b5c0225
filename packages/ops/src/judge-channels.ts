import type { ProcessStatus } from '@nanobot/bus';

/** Used when a status record does not say its watchdog window (a worker of an older version). */
export const fallbackWindowMs = 60_000;

type Row = Record<string, unknown>;

/** One process's view of one channel, as the page shows it. */
export type InstanceView = {
  app: string;
  instance: string;
  pid: number;
  host: string;
  /** The supervisor's state, or `fatal` for a token the service refused. */
  state: string;
  role: string | null;
  live: boolean;
  /** Not live yet, but only because its first run is still waiting for its first poll. */
  startingUp: boolean;
  restarts: number;
  consecutiveFailures: number;
  lastAliveAt: number | null;
  windowMs: number;
  nextRetryAt: number | null;
  lastError: string | null;
  /** Why it is not live, in words; null when live. */
  reason: string | null;
};

export type ChannelView = {
  name: string;
  live: boolean;
  /** Not live only because a fresh process has not completed its first poll yet. */
  startingUp: boolean;
  reason: string | null;
  instances: InstanceView[];
};

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s`;

/**
 * Live = the transport completed a poll (Telegram) or a pong (WhatsApp) within its watchdog
 * window. A restart does not count as activity: a channel whose every run hangs keeps
 * restarting and is still deaf. A process that has not completed its first poll yet is not
 * live either (it may be deaf from the start); the page shows it as `starting` while its
 * first run is younger than the window.
 */
function judgeInstance(status: ProcessStatus, row: Row, now: number): InstanceView {
  const extra = (row.extra ?? {}) as Row;
  const windowMs = num(row.livenessWindowMs) ?? fallbackWindowMs;
  const fatal = row.lastErrorCode === 'CHANNEL_FATAL' && row.state === 'backoff';
  const state = fatal ? 'fatal' : (str(row.state) ?? '?');
  const lastAliveAt = num(row.lastAliveAt);
  const startedAt = num(row.startedAt);
  const restarts = num(row.restarts) ?? 0;
  const lastError = str(row.lastError);
  const polledInTime = lastAliveAt !== null && now - lastAliveAt <= windowMs;
  // A channel that is stopping or stopped no longer polls, whatever its last poll says.
  const winding = state === 'stopping' || state === 'stopped' || state === 'failed';
  const live = !fatal && !winding && polledInTime;
  const startingUp = !live && !fatal && !winding && lastAliveAt === null && restarts === 0 && startedAt !== null && now - startedAt <= windowMs;
  let reason: string | null = null;
  if (!live) {
    const silence =
      lastAliveAt === null
        ? `no completed poll/pong yet since the process started${startingUp && startedAt !== null ? ` ${seconds(now - startedAt)} ago` : ''}`
        : `last poll/pong ${seconds(now - lastAliveAt)} ago, beyond its ${seconds(windowMs)} watchdog window`;
    const detail = `state ${state}${lastError === null ? '' : `, last error ${lastError}`}`;
    if (fatal) reason = `fatal: ${lastError ?? 'the service refused the credentials'}`;
    else if (winding) reason = `the channel is ${state} (${detail})`;
    else reason = `${silence} (${detail})`;
  }
  return {
    app: status.app,
    instance: status.instance,
    pid: status.pid,
    host: status.host,
    state,
    role: str(extra.role),
    live,
    startingUp,
    restarts,
    consecutiveFailures: num(row.consecutiveFailures) ?? 0,
    lastAliveAt,
    windowMs,
    nextRetryAt: num(row.nextRetryAt),
    lastError,
    reason,
  };
}

export type JudgeChannelsOptions = {
  statuses: ProcessStatus[];
  /** Channels enabled in the config: each must be live, reported or not. */
  enabled: string[];
  now: number;
};

/**
 * Every channel that is enabled or reported, with its instances. A channel is live when one
 * of its instances that polls (not a standby waiting for the lease) is live.
 */
export function judgeChannels(options: JudgeChannelsOptions): ChannelView[] {
  const { now } = options;
  const byName = new Map<string, InstanceView[]>(options.enabled.map((name) => [name, []]));
  for (const status of options.statuses) {
    if (status.app === 'nanobot-agent') continue;
    for (const [name, row] of Object.entries(status.channels)) {
      byName.set(name, [...(byName.get(name) ?? []), judgeInstance(status, row, now)]);
    }
  }
  return [...byName.entries()].map(([name, instances]) => {
    const polling = instances.filter((i) => i.role !== 'standby');
    const live = polling.some((i) => i.live);
    let reason: string | null = null;
    if (instances.length === 0) reason = `no process reports it (is nanobot-${name} running?)`;
    else if (polling.length === 0) reason = 'only standbys report it; none holds the poller lease yet';
    else if (!live) reason = polling.map((i) => i.reason).join('; ');
    const startingUp = !live && polling.length > 0 && polling.every((i) => i.startingUp);
    return { name, live, startingUp, reason, instances };
  });
}

/** The names of the channels a config enables (`channels.<name>.enabled`). */
export function enabledChannels(channels: Record<string, unknown>): string[] {
  return Object.entries(channels)
    .filter(([, value]) => typeof value === 'object' && value !== null && (value as { enabled?: unknown }).enabled === true)
    .map(([name]) => name);
}
