import type { ProcessStatus } from '@nanobot/bus';

/**
 * A status record outlives a process killed with -9 by up to its TTL (15 s). On the host that
 * wrote it, a record whose pid no longer runs is a leftover: judge it gone at once instead.
 * `isPidAlive` is the caller's (it touches `process`); records of other hosts are trusted.
 */
export function createIsGone(thisHost: string, isPidAlive: (pid: number) => boolean): (status: ProcessStatus) => boolean {
  return (status) => status.host === thisHost && status.pid > 0 && !isPidAlive(status.pid);
}
