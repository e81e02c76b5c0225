import { AppError } from '@nanobot/core';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, restartDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from 2 s through 256 s and then stays at the 300 s cap', () => {
    const seconds = Array.from({ length: 12 }, (_, i) => backoffDelayMs(i + 1) / 1000);
    expect(seconds).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]);
  });

  it('treats zero, negative and fractional counts as at least one failure', () => {
    expect(backoffDelayMs(0)).toBe(2000);
    expect(backoffDelayMs(-3)).toBe(2000);
    expect(backoffDelayMs(2.9)).toBe(4000);
  });
});

describe('restartDelayMs', () => {
  it('uses the plain backoff for ordinary errors', () => {
    expect(restartDelayMs(3, new Error('ECONNRESET'))).toBe(8000);
    expect(restartDelayMs(1, 'not an error')).toBe(2000);
  });

  it('waits as long as the remote asked when that is longer than the backoff', () => {
    const limited = new AppError('CHANNEL_RATE_LIMITED', '429', { retryAfterMs: 45_000 });
    expect(restartDelayMs(1, limited)).toBe(45_000);
  });

  it('keeps the backoff when the remote asked for less', () => {
    const limited = new AppError('CHANNEL_RATE_LIMITED', '429', { retryAfterMs: 1000 });
    expect(restartDelayMs(3, limited)).toBe(8000);
  });

  it('retries a fatal channel error only every 300 s', () => {
    expect(restartDelayMs(1, new AppError('CHANNEL_FATAL', 'token revoked'))).toBe(300_000);
  });
});
