import type { HostSeen, ProcessStatus } from '@nanobot/bus';

const ago = (now: number, ms: number) => `${Math.max(0, Math.round((now - ms) / 1000))}s ago`;

/** What a process's record says about it in one word: the state of its (first) row. */
function stateOf(status: ProcessStatus): string {
  const rows = Object.entries(status.channels);
  return rows.map(([name, row]) => `${name} ${String((row as { state?: unknown }).state ?? '?')}`).join(', ') || '-';
}

/**
 * Every host's processes, grouped by host. A host is `up` while any of its processes'
 * records is fresh (each lives 15 s after its last report); one whose records all went
 * stale (or whose pids are gone, on this host) is `gone`, with when it was last heard from.
 */
export function toHostLines(input: { statuses: ProcessStatus[]; hosts: HostSeen[]; isGone: (s: ProcessStatus) => boolean; now: number }): string[] {
  const { now } = input;
  const live = input.statuses.filter((s) => !input.isGone(s));
  const names = new Set([...input.hosts.map((h) => h.host), ...input.statuses.map((s) => s.host)]);
  const lastSeen = new Map(input.hosts.map((h) => [h.host, h.lastSeenAt]));
  const lines: string[] = [];
  for (const host of [...names].sort()) {
    const mine = live.filter((s) => s.host === host);
    const seen = Math.max(lastSeen.get(host) ?? 0, ...input.statuses.filter((s) => s.host === host).map((s) => s.updatedAt));
    if (mine.length === 0) {
      lines.push(`  ${host.padEnd(20)} gone     last report ${seen > 0 ? ago(now, seen) : 'never'}`);
      continue;
    }
    lines.push(`  ${host.padEnd(20)} up       ${mine.length} process${mine.length === 1 ? '' : 'es'}, last report ${ago(now, seen)}`);
    for (const s of mine) lines.push(`    ${`${s.app}#${s.instance}`.padEnd(24)} pid ${String(s.pid).padEnd(8)} ${stateOf(s)}`);
  }
  return lines.length === 0 ? ['  (no host has reported yet)'] : lines;
}
