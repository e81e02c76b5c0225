import { describe, expect, it } from 'vitest';
import { createMailSignal } from './mail-signal.js';

describe('createMailSignal', () => {
  it('does not wait when mail arrived during the check, and waits again after a reset', async () => {
    const signal = createMailSignal();
    signal.notify(); // EXISTS while the check ran
    const started = Date.now();
    await signal.wait(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    signal.reset();
    const waiting = signal.wait(5_000);
    signal.notify();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('ends a wait on interrupt, and at the poll interval without any news', async () => {
    const signal = createMailSignal();
    const waiting = signal.wait(5_000);
    signal.interrupt();
    await waiting;
    const started = Date.now();
    await signal.wait(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });
});
