import { describeError } from '@nanobot/core';
import type { ProcessStatus, TrafficMinute } from '@nanobot/bus';
import { judgeHealth, type ClusterReader, type Health, type ProcessInfo } from '@nanobot/ops';
import type { Snapshot } from './snapshot.js';

export type SnapshotSourceOptions = {
  reader: ClusterReader;
  /** pm2's process list of this host; undefined when not running under pm2. */
  listProcesses?: () => Promise<ProcessInfo[]>;
  enabledChannels: string[];
  isGone: (status: ProcessStatus) => boolean;
  /** The traffic chart's minutes (readTraffic); without it the page has no chart. */
  readTraffic?: (now: number) => Promise<TrafficMinute[]>;
  now?: () => number;
  /** Readers within this long share one read (default 900 ms). */
  cacheMs?: number;
  /** A Redis that does not answer is reported after this long instead of hanging the page (default 3 s). */
  timeoutMs?: number;
};

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const unreadable = (reason: string): Health => ({
  ok: false,
  reasons: [`redis: ${reason}`],
  channels: [],
  agent: { consuming: false, instances: [], inboundWorkers: null, reason: 'unknown while Redis cannot be read' },
});

/**
 * One read of the cluster (Redis and pm2) shared by every open page, every live update and
 * /health within `cacheMs`, so ten phones watching cost what one does.
 */
export function createSnapshotSource(options: SnapshotSourceOptions): { read(): Promise<Snapshot> } {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 900;
  const timeoutMs = options.timeoutMs ?? 3_000;
  let last: { at: number; snapshot: Promise<Snapshot> } | undefined;

  async function take(): Promise<Snapshot> {
    const [cluster, processes, traffic] = await Promise.allSettled([
      within(options.reader.read(), timeoutMs, 'redis'),
      options.listProcesses === undefined ? Promise.resolve(null) : within(options.listProcesses(), timeoutMs, 'pm2'),
      options.readTraffic === undefined ? Promise.resolve(undefined) : within(options.readTraffic(now()), timeoutMs, 'redis'),
    ]);
    const readAt = now();
    const state = cluster.status === 'fulfilled' ? cluster.value : null;
    const redisError = cluster.status === 'rejected' ? `unreachable: ${describeError(cluster.reason)}` : null;
    return {
      readAt,
      processes: processes.status === 'fulfilled' ? processes.value : null,
      processError: processes.status === 'rejected' ? `pm2: ${describeError(processes.reason)}` : null,
      state,
      redisError,
      // An unreadable chart is no news of its own: Redis's trouble is already on the page.
      ...(traffic.status === 'fulfilled' && traffic.value !== undefined ? { traffic: traffic.value } : {}),
      health: state === null ? unreadable(redisError ?? 'unreadable') : judgeHealth({ state, enabledChannels: options.enabledChannels, now: readAt, isGone: options.isGone }),
    };
  }

  return {
    read() {
      const at = now();
      if (last === undefined || at - last.at >= cacheMs) last = { at, snapshot: take() };
      return last.snapshot;
    },
  };
}
