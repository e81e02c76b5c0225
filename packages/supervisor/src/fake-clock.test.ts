import { describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.js';

describe('createFakeClock', () => {
  it('wakes a sleeper only once time has moved past its deadline', async () => {
    const clock = createFakeClock(1000);
    let woke = false;
    void clock.sleep(500).then(() => (woke = true));
    await clock.advance(499);
    expect(woke).toBe(false);
    expect(clock.now()).toBe(1499);
    await clock.advance(1);
    expect(woke).toBe(true);
    expect(clock.now()).toBe(1500);
  });

  it('wakes sleepers in time order and runs sleeps scheduled on the way', async () => {
    const clock = createFakeClock();
    const order: string[] = [];
    void clock.sleep(300).then(() => order.push(`b@${clock.now()}`));
    void clock.sleep(100).then(async () => {
      order.push(`a@${clock.now()}`);
      await clock.sleep(100);
      order.push(`c@${clock.now()}`);
    });
    await clock.advance(1000);
    expect(order).toEqual(['a@100', 'c@200', 'b@300']);
    expect(clock.now()).toBe(1000);
  });

  it('resolves a sleep early when its signal is aborted and forgets it', async () => {
    const clock = createFakeClock();
    const controller = new AbortController();
    let woke = false;
    void clock.sleep(10_000, controller.signal).then(() => (woke = true));
    expect(clock.pending()).toBe(1);
    controller.abort();
    await clock.flush();
    expect(woke).toBe(true);
    expect(clock.pending()).toBe(0);
    expect(clock.now()).toBe(0);
  });

  it('resolves at once for an already aborted signal', async () => {
    const clock = createFakeClock();
    await clock.sleep(10_000, AbortSignal.abort());
    expect(clock.pending()).toBe(0);
  });

  it('runs every pending sleeper with runAll and reports the next wake-up time', async () => {
    const clock = createFakeClock();
    void clock.sleep(50);
    void clock.sleep(20);
    expect(clock.nextWakeAt()).toBe(20);
    await clock.runAll();
    expect(clock.pending()).toBe(0);
    expect(clock.nextWakeAt()).toBeNull();
    expect(clock.now()).toBe(50);
  });

  it('gives up in runAll when sleeps keep scheduling more sleeps', async () => {
    const clock = createFakeClock();
    const controller = new AbortController();
    const forever = async (): Promise<void> => {
      while (!controller.signal.aborted) await clock.sleep(1000, controller.signal);
    };
    void forever();
    await expect(clock.runAll(50)).rejects.toThrow('after 50 wake-ups');
    controller.abort();
  });
});
