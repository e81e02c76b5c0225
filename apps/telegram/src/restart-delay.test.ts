import { describe, expect, it } from 'vitest';
import { AppError } from '@nanobot/core';
import { restartDelayMs } from './telegram-worker.js';

const after = (code: ConstructorParameters<typeof AppError>[0], failures: number[], extra = {}) =>
  failures.map((n) => restartDelayMs(n, new AppError(code, 'test', extra)));

describe('the Telegram channel restart delays', () => {
  it('retries Redis outages after 250 ms, doubling up to 2 s', () => {
    expect(after('BUS_UNAVAILABLE', [1, 2, 3, 4, 5, 9])).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000]);
  });

  it('retries Bot API outages every 2 s at most', () => {
    expect(after('CHANNEL_UNAVAILABLE', [1, 2, 5])).toEqual([2_000, 2_000, 2_000]);
  });

  it('waits what a 429 or 409 asks for, and 300 s after a rejected token', () => {
    expect(after('CHANNEL_RATE_LIMITED', [1, 3], { retryAfterMs: 7_000 })).toEqual([7_000, 7_000]);
    expect(after('CHANNEL_FATAL', [1, 2])).toEqual([300_000, 300_000]);
  });

  it('waits as a standby 1 s after losing the poller lease, however often it was lost', () => {
    expect(after('LEASE_LOST', [1, 4, 12])).toEqual([1_000, 1_000, 1_000]);
  });

  it('backs off 2^n s up to 300 s for anything else', () => {
    expect(after('INTERNAL', [1, 2, 3, 8, 12])).toEqual([2_000, 4_000, 8_000, 256_000, 300_000]);
  });
});
