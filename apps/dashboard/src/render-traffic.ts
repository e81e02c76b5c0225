import { latencyPercentileMs, type TrafficMinute } from '@nanobot/bus';
import { html, type Html } from './html.js';

/** Height of the charts' drawing space; x runs one unit per minute. */
const heightUnits = 40;

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
const bound = (ms: number | null) => (ms === null ? '-' : ms === Number.POSITIVE_INFINITY ? 'over 120 s' : `≤ ${seconds(ms)}`);
const fixed = (n: number) => String(Math.round(n * 100) / 100);

type Bar = { x: number; width: number; value: number; kind: string };

/** Bars scaled to the tallest; a bar of a non-zero value is never thinner than a hairline. */
function chart(options: { bars: Bar[]; minutes: number; label: string; kind: string }): Html {
  const max = Math.max(0, ...options.bars.map((b) => b.value));
  const rects = options.bars
    .filter((b) => b.value > 0)
    .map((b) => {
      const h = Math.max(0.8, (b.value / max) * (heightUnits - 2));
      return html`<rect class="${b.kind}" x="${fixed(b.x)}" y="${fixed(heightUnits - h)}" width="${fixed(b.width)}" height="${fixed(h)}"></rect>`;
    });
  return html`<svg class="spark ${options.kind}" viewBox="0 0 ${options.minutes} ${heightUnits}" preserveAspectRatio="none" role="img" aria-label="${options.label}">
    <title>${options.label}</title>
    <line class="axis" x1="0" y1="${heightUnits - 0.25}" x2="${options.minutes}" y2="${heightUnits - 0.25}"></line>
    ${rects}
  </svg>`;
}

/**
 * The traffic of the last hour as two small inline SVG bar charts, one bar per minute:
 * messages in and replies out, and the average reply latency. Drawn on the server like the
 * rest of the page, so every live update moves it and nothing is loaded from anywhere.
 */
export function renderTraffic(minutes: TrafficMinute[] | undefined): Html {
  if (minutes === undefined) return html``;
  const total = (pick: (m: TrafficMinute) => number) => minutes.reduce((sum, m) => sum + pick(m), 0);
  const inTotal = total((m) => m.in);
  const outTotal = total((m) => m.out);
  const p95 = latencyPercentileMs(minutes, 0.95);
  const p50 = latencyPercentileMs(minutes, 0.5);
  const peak = Math.max(0, ...minutes.map((m) => Math.max(m.in, m.out)));
  const averages = minutes.map((m) => (m.latencyCount === 0 ? 0 : m.latencySumMs / m.latencyCount));
  const slowest = Math.max(0, ...averages);
  const count = minutes.length;
  const messages = chart({
    minutes: count,
    kind: 'messages',
    label: `messages per minute, last ${count} minutes: ${inTotal} in, ${outTotal} out`,
    bars: minutes.flatMap((m, i) => [
      { x: i + 0.1, width: 0.4, value: m.in, kind: 'in' },
      { x: i + 0.5, width: 0.4, value: m.out, kind: 'out' },
    ]),
  });
  const latency = chart({
    minutes: count,
    kind: 'latency',
    label: `average reply latency per minute, last ${count} minutes`,
    bars: averages.map((value, i) => ({ x: i + 0.15, width: 0.7, value, kind: 'lat' })),
  });
  return html`<section class="traffic" data-in="${inTotal}" data-out="${outTotal}" data-replies="${total((m) => m.latencyCount)}">
    <h2>Traffic, last hour</h2>
    <div class="charts">
      <figure class="chart">
        <figcaption><span class="key in">in ${inTotal}</span> <span class="key out">out ${outTotal}</span> <span class="scale">peak ${peak}/min</span></figcaption>
        ${messages}
      </figure>
      <figure class="chart">
        <figcaption><span class="key lat">reply latency</span> p50 ${bound(p50)} · p95 ${bound(p95)} <span class="scale">peak ${slowest === 0 ? '-' : seconds(slowest)}</span></figcaption>
        ${latency}
      </figure>
    </div>
  </section>`;
}
