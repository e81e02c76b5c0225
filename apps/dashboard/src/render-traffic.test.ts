import { describe, expect, it } from 'vitest';
import { latencyBoundsMs, type TrafficMinute } from '@nanobot/bus';
import { renderTraffic } from './render-traffic.js';

const minute = (i: number, fill: Partial<TrafficMinute> = {}): TrafficMinute => ({
  at: i * 60_000, in: 0, out: 0, latencyCount: 0, latencySumMs: 0, histogram: latencyBoundsMs.map(() => 0).concat(0), ...fill,
});

describe('the traffic chart', () => {
  it('draws one bar per minute and kind, scaled to the busiest minute, with totals and percentiles', () => {
    const histogram = latencyBoundsMs.map(() => 0).concat(0);
    histogram[2] = 3; // three replies within 1 s
    const minutes = [minute(0), minute(1, { in: 4, out: 3, latencyCount: 3, latencySumMs: 2_400, histogram }), minute(2, { in: 2 })];
    const { markup } = renderTraffic(minutes);
    expect(markup).toContain('data-in="6" data-out="3" data-replies="3"');
    expect(markup).toContain('viewBox="0 0 3 40"');
    expect(markup.match(/<rect class="in"/g)).toHaveLength(2);
    expect(markup.match(/<rect class="out"/g)).toHaveLength(1);
    expect(markup.match(/<rect class="lat"/g)).toHaveLength(1);
    // The busiest minute (4 in) fills the height; 2 in is half of it.
    expect(markup).toContain('<rect class="in" x="1.1" y="2" width="0.4" height="38">');
    expect(markup).toContain('<rect class="in" x="2.1" y="21" width="0.4" height="19">');
    expect(markup).toContain('p50 ≤ 1.0 s · p95 ≤ 1.0 s');
    expect(markup).toContain('peak 0.8 s');
    expect(markup).not.toMatch(/https?:\/\//);
  });

  it('shows an empty hour as empty charts, and nothing when there is no record to read', () => {
    const { markup } = renderTraffic(Array.from({ length: 60 }, (_, i) => minute(i)));
    expect(markup).toContain('data-in="0" data-out="0"');
    expect(markup).not.toContain('<rect');
    expect(markup).toContain('p95 -');
    expect(renderTraffic(undefined).markup).toBe('');
  });
});
