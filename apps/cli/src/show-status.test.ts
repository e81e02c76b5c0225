import { describe, expect, it } from 'vitest';
import type { LoadedConfig } from '@nanobot/config';
import { toBreakerLines, toChannelLine, toDashboardLine, toQueueLine, toRedisLine } from './show-status.js';

describe('toChannelLine', () => {
  it('shows state, role, restarts, failures, poll age, next retry and last error', () => {
    const now = Date.now();
    const line = toChannelLine('telegram', 'nanobot-telegram', '0', {
      state: 'backoff',
      restarts: 3,
      consecutiveFailures: 2,
      lastError: 'CHANNEL_UNAVAILABLE: telegram answered 502 on getUpdates',
      lastErrorCode: 'CHANNEL_UNAVAILABLE',
      nextRetryAt: now + 4_000,
      lastAliveAt: now - 7_000,
      extra: { role: 'active' },
    });
    expect(line).toMatch(/telegram\s+backoff\s+active\s+nanobot-telegram#0/);
    expect(line).toContain('restarts 3');
    expect(line).toContain('failures 2');
    expect(line).toContain('last poll 7s ago');
    expect(line).toMatch(/next retry in [34]s/);
    expect(line).toContain('last error CHANNEL_UNAVAILABLE: telegram answered 502 on getUpdates');
  });

  it('calls a bad token fatal', () => {
    const line = toChannelLine('telegram', 'nanobot-telegram', '0', {
      state: 'backoff',
      lastErrorCode: 'CHANNEL_FATAL',
      lastError: 'CHANNEL_FATAL: telegram rejected the bot token (401) on getMe',
      nextRetryAt: Date.now() + 300_000,
    });
    expect(line).toMatch(/telegram\s+fatal/);
    expect(line).toMatch(/next retry in 300s/);
  });
});

describe('the rest of nanobot status', () => {
  const loadedWith = (gateway: Record<string, unknown>) =>
    ({ config: { gateway: { host: '127.0.0.1', port: 18790, token: '', heartbeat: { enabled: true, intervalS: 1800 }, ...gateway } } }) as unknown as LoadedConfig;

  it('gives the dashboard address, or why it is not started', () => {
    expect(toDashboardLine(loadedWith({}))).toBe('http://127.0.0.1:18790 (health: /health)');
    expect(toDashboardLine(loadedWith({ host: '0.0.0.0' }))).toMatch(/^not started: gateway.host is 0.0.0.0.*set gateway.token/);
  });

  it('shows the age of the oldest waiting message and what Redis keeps', () => {
    const line = toQueueLine({ name: 'inbound', waiting: 3, active: 1, delayed: 0, failed: 0, completed: 9, oldestWaitingAt: Date.now() - 42_000 });
    expect(line).toMatch(/inbound\s+waiting 3 active 1 delayed 0 failed 0 completed 9 {2}oldest waiting 42s ago/);
    const redis = toRedisLine({ version: '7.0.15', aofEnabled: true, aofFailing: false, rdbFailing: false, usedMemoryBytes: 2 * 1048576, maxmemoryBytes: 0, maxmemoryPolicy: 'noeviction' });
    expect(redis).toBe('  version 7.0.15, AOF on, memory 2.0MB (no limit), policy noeviction');
  });
});

describe('toBreakerLines', () => {
  it('shows the models the agent skips or that keep failing, not the healthy ones', () => {
    const lines = toBreakerLines({
      state: 'running',
      breakers: [
        { id: 'openrouter/anthropic/claude-sonnet-4.5', state: 'open', failures: 3, probeAt: Date.now() + 42_000 },
        { id: 'deepseek/deepseek-chat', state: 'closed', failures: 0 },
        { id: 'custom/m', state: 'closed', failures: 1 },
      ],
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/model openrouter\/anthropic\/claude-sonnet-4\.5: skipped \(circuit open\), 3 failure\(s\) in a row, probe in 4[12]s/);
    expect(lines[1]).toBe('    model custom/m: failing, 1 failure(s) in a row');
    expect(toBreakerLines({ state: 'running' })).toEqual([]);
  });
});
