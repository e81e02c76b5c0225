import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '@nanobot/ops';
import { toLogRotateConf } from '@nanobot/ops';
import { toAppLine } from './start-cluster.js';

const proc = (name: string, pid: number, status = 'online'): ProcessInfo => ({
  name, pmId: 0, pid, status, restarts: 0, uptimeMs: 1000, memoryBytes: 0, cpu: 0, outLogPath: null, errLogPath: null,
});

describe('toAppLine', () => {
  it('says ready for an app that tells pm2 so, online for one that does not, with every pid', () => {
    expect(toAppLine({ name: 'nanobot-agent', wait_ready: true }, [proc('nanobot-agent', 11), proc('nanobot-agent', 12)], 1940)).toBe(
      `  ${'nanobot-agent'.padEnd(26)} ready    pid ${'11,12'.padEnd(12)} 1.9s`,
    );
    expect(toAppLine({ name: 'nanobot-redis' }, [proc('nanobot-redis', 9)], 300)).toMatch(/^ {2}nanobot-redis\s+online\s+pid 9\s+0\.3s$/);
  });

  it('shows pm2\'s status when an app is not online', () => {
    expect(toAppLine({ name: 'nanobot-telegram', wait_ready: true }, [proc('nanobot-telegram', 0, 'errored')], 5000)).toMatch(/nanobot-telegram\s+errored\s+pid 0/);
    expect(toAppLine({ name: 'nanobot-telegram' }, [], 5000)).toMatch(/nanobot-telegram\s+not started\s+pid -/);
  });
});

describe('toLogRotateConf', () => {
  it('turns logs.maxSizeMb and logs.retainFiles into pm2-logrotate\'s keys', () => {
    expect(toLogRotateConf({ maxSizeMb: 25, retainFiles: 7 })).toEqual({ max_size: '25M', retain: '7', compress: 'false' });
  });
});
