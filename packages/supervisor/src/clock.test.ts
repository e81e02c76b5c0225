import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';

describe('systemClock', () => {
  it('sleeps for about the requested time', async () => {
    const before = systemClock.now();
    await systemClock.sleep(20);
    expect(systemClock.now() - before).toBeGreaterThanOrEqual(15);
  });

  it('resolves a long sleep early when its signal is aborted', async () => {
    const controller = new AbortController();
    const before = Date.now();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(), 5);
    await sleeping;
    expect(Date.now() - before).toBeLessThan(5_000);
  });

  it('resolves at once for an already aborted signal', async () => {
    const before = Date.now();
    await systemClock.sleep(60_000, AbortSignal.abort());
    expect(Date.now() - before).toBeLessThan(5_000);
  });
});
