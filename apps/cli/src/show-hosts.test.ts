import { describe, expect, it } from 'vitest';
import type { ProcessStatus } from '@nanobot/bus';
import { toHostLines } from './show-hosts.js';

const now = 1_000_000;
const status = (host: string, app: string, instance: string, pid: number): ProcessStatus => ({
  app,
  instance,
  pid,
  host,
  updatedAt: now - 2_000,
  channels: { [app.replace('nanobot-', '')]: { state: 'running' } },
});

describe('toHostLines', () => {
  it('groups processes by host and shows a host without fresh records as gone', () => {
    const lines = toHostLines({
      statuses: [status('host-a', 'nanobot-telegram', '0', 10), status('host-c', 'nanobot-agent', '0', 30), status('host-a', 'nanobot-agent', '0', 11)],
      hosts: [
        { host: 'host-a', lastSeenAt: now - 2_000 },
        { host: 'host-b', lastSeenAt: now - 40_000 },
        { host: 'host-c', lastSeenAt: now - 1_000 },
      ],
      isGone: () => false,
      now,
    });
    expect(lines[0]).toMatch(/^ {2}host-a +up +2 processes, last report 2s ago$/);
    expect(lines.slice(1, 3).join('\n')).toMatch(/nanobot-telegram#0 +pid 10 +telegram running/);
    expect(lines.slice(1, 3).join('\n')).toMatch(/nanobot-agent#0 +pid 11 +agent running/);
    expect(lines[3]).toMatch(/^ {2}host-b +gone +last report 40s ago$/);
    expect(lines[4]).toMatch(/^ {2}host-c +up +1 process, last report 1s ago$/);
  });

  it('a host whose every record is a leftover of a dead pid is gone', () => {
    const lines = toHostLines({ statuses: [status('here', 'nanobot-agent', '0', 99)], hosts: [], isGone: (s) => s.pid === 99, now });
    expect(lines).toEqual(['  here                 gone     last report 2s ago']);
  });
});
