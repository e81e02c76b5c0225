import { describe, expect, it } from 'vitest';
import { createBreakerRegistry, createCircuitBreaker } from './circuit-breaker.js';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('the circuit breaker', () => {
  it('opens after 3 failures in a row and lets no request through while cooling', () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker('custom/m', { now: clock.now });
    for (let i = 0; i < 2; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.failed();
    }
    expect(breaker.snapshot()).toEqual({ id: 'custom/m', state: 'closed', failures: 2 });
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
    expect(breaker.snapshot()).toEqual({ id: 'custom/m', state: 'open', failures: 3, probeAt: clock.now() + 60_000 });
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(59_999);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.waitMs()).toBe(1);
  });

  it('a success in between starts the count again', () => {
    const breaker = createCircuitBreaker('x', { now: fakeClock().now });
    breaker.failed();
    breaker.failed();
    breaker.succeeded();
    breaker.failed();
    breaker.failed();
    expect(breaker.snapshot().state).toBe('closed');
  });

  it('after the cooling period lets exactly one probe through; its success closes the breaker', () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker('x', { now: clock.now });
    for (let i = 0; i < 3; i++) breaker.failed();
    clock.advance(60_000);
    expect(breaker.snapshot().state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // a second request while the probe is out
    breaker.succeeded();
    expect(breaker.snapshot()).toEqual({ id: 'x', state: 'closed', failures: 0 });
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('a failed probe opens it for another full period; a probe without verdict frees the slot', () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker('x', { now: clock.now, timing: { threshold: 2, cooldownMs: 10_000 } });
    breaker.failed();
    breaker.failed();
    clock.advance(10_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.released();
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
    expect(breaker.snapshot()).toMatchObject({ state: 'open', probeAt: clock.now() + 10_000 });
    clock.advance(9_000);
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(1_000);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('the registry keeps one breaker per target and forgets targets no longer configured', () => {
    const registry = createBreakerRegistry({ now: fakeClock().now });
    registry.get('a/m', 'fp-a').failed();
    expect(registry.get('a/m', 'fp-a').snapshot().failures).toBe(1);
    expect(registry.get('a/m', 'fp-a2').snapshot().failures).toBe(0); // the same model with a new key
    registry.keepOnly(new Set(['fp-a2']));
    expect(registry.list()).toEqual([{ id: 'a/m', state: 'closed', failures: 0 }]);
  });
});
