import type { ProcessStatus } from '@nanobot/bus';

/**
 * A status record outlives a process killed with -9 by up to its TTL (15 s). On the host that
 * wrote it, a record whose pid no longer runs is a leftover: judge it gone at once instead.
 * `signalZero` is the caller's `process.kill(pid, 0)` (packages do not touch `process`): it
 * throws ESRCH for a pid that does not run, EPERM for one that runs as another user. Records of
 * other hosts are trusted.
 */
export function createIsGone(thisHost: string, signalZero: (pid: number) => void): (status: ProcessStatus) => boolean {
  const isAlive = (pid: number): boolean => {
    try {
      signalZero(pid);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  return (status) => status.host === thisHost && status.pid > 0 && !isAlive(status.pid);
}
