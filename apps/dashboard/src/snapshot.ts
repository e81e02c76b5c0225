import type { TrafficMinute } from '@nanobot/bus';
import type { ClusterState, Health, ProcessInfo } from '@nanobot/ops';

/** What one refresh of the page shows: read once, shared by every open page and /health. */
export type Snapshot = {
  readAt: number;
  /** pm2's processes on this host; null when the dashboard does not run under pm2. */
  processes: ProcessInfo[] | null;
  processError: string | null;
  /** null when Redis could not be read (`redisError` says why). */
  state: ClusterState | null;
  redisError: string | null;
  health: Health;
  /** Messages and replies per minute over the last hour; absent when not read or unreadable. */
  traffic?: TrafficMinute[];
};
