import { describe, expect, it } from 'vitest';
import { toChannelLine } from './show-status.js';

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
