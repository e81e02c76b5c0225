import { describe, expect, it } from 'vitest';
import { putBackDelayMs } from './put-back-delay.js';

describe('putBackDelayMs', () => {
  it('retries quickly at first so a short outage ends within seconds', () => {
    expect([1, 2, 3, 4, 45].map(putBackDelayMs)).toEqual([500, 1_000, 2_000, 2_000, 2_000]);
  });

  it('slows to every 10 s, so the default 400 put-backs cover about an hour of outage', () => {
    expect(putBackDelayMs(46)).toBe(10_000);
    let totalMs = 0;
    for (let count = 1; count <= 400; count += 1) totalMs += putBackDelayMs(count);
    expect(totalMs / 60_000).toBeGreaterThan(55);
    expect(totalMs / 60_000).toBeLessThan(70);
  });
});
