import { describe, expect, it } from 'vitest';
import { AppError } from '@nanobot/core';
import { channelRestartDelay } from './restart-delay.js';

describe('channelRestartDelay', () => {
  const delay = channelRestartDelay();

  it('waits long for a refused token, 1 s for a lost lease, and what a rate limit asks for', () => {
    expect(delay(1, new AppError('CHANNEL_FATAL', 'bad token'))).toBe(300_000);
    expect(delay(5, new AppError('LEASE_LOST', 'taken'))).toBe(1_000);
    expect(delay(1, new AppError('CHANNEL_UNAVAILABLE', '429', { retryAfterMs: 7_000 }))).toBe(7_000);
  });

  it('retries an outage of the service or of Redis from 250 ms, doubling to its cap, and backs off otherwise', () => {
    expect([1, 2, 3, 4, 5].map((n) => delay(n, new AppError('BUS_UNAVAILABLE', 'down')))).toEqual([250, 500, 1_000, 2_000, 2_000]);
    expect(delay(2, new AppError('CHANNEL_UNAVAILABLE', 'down'))).toBe(500);
    expect(delay(3, new Error('odd'))).toBe(8_000);
  });

  it('takes a channel’s overrides', () => {
    const slack = channelRestartDelay({ fatalMs: 30_000, outageMaxMs: 4_000, honourRetryAfter: false });
    expect(slack(1, new AppError('CHANNEL_FATAL', 'bad token'))).toBe(30_000);
    expect(slack(6, new AppError('CHANNEL_UNAVAILABLE', 'down'))).toBe(4_000);
    expect(slack(1, new AppError('CHANNEL_UNAVAILABLE', '429', { retryAfterMs: 7_000 }))).toBe(250);
    const flat = channelRestartDelay({ unavailableMs: () => 2_000 });
    expect(flat(1, new AppError('CHANNEL_UNAVAILABLE', 'down'))).toBe(2_000);
    expect(flat(1, new AppError('BUS_UNAVAILABLE', 'down'))).toBe(250);
  });
});
