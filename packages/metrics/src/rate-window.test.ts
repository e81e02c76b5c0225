import { describe, expect, it } from 'vitest';
import { createLatencyWindow } from './latency-window.js';
import { createRateWindow } from './rate-window.js';

describe('createRateWindow', () => {
  it('counts the events of the last minute and forgets older ones', () => {
    let now = 0;
    const rate = createRateWindow({ now: () => now });
    rate.mark();
    now = 30_000;
    rate.mark();
    rate.mark();
    expect(rate.count()).toBe(3);
    now = 60_000;
    expect(rate.count()).toBe(2);
    now = 90_000;
    expect(rate.count()).toBe(0);
  });
});

describe('createLatencyWindow', () => {
  it('gives the 95th percentile of the samples of the last five minutes, 0 without any', () => {
    let now = 0;
    const latency = createLatencyWindow({ now: () => now });
    expect(latency.p95()).toBe(0);
    for (let ms = 1; ms <= 100; ms++) latency.record(ms);
    expect(latency.p95()).toBe(95);
    now = 200_000;
    latency.record(1000);
    expect(latency.p95()).toBe(96);
    now = 301_000;
    expect(latency.p95()).toBe(1000);
    latency.record(Number.NaN);
    latency.record(-5);
    expect(latency.p95()).toBe(1000);
  });

  it('keeps at most maxSamples, dropping the oldest', () => {
    const latency = createLatencyWindow({ now: () => 0, maxSamples: 10 });
    for (let i = 0; i < 10; i++) latency.record(5000);
    for (let i = 0; i < 10; i++) latency.record(10);
    expect(latency.p95()).toBe(10);
  });
});
