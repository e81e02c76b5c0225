import { Writable } from 'node:stream';
import { createLogger } from '@nanobot/log';
import { describe, expect, it } from 'vitest';
import { createWorkerMetrics, metricNames } from './create-worker-metrics.js';
import type { MetricsSink } from './metrics-sink.js';

function fakeSink() {
  const gauges = new Map<string, () => number | string>();
  const actions = new Map<string, (reply: (result: unknown) => void) => void>();
  const sink: MetricsSink = {
    metric: ({ name, value }) => gauges.set(name, value),
    action: (name, handler) => void actions.set(name, handler),
  };
  const read = (name: string) => gauges.get(name)?.();
  const trigger = (name: string) => new Promise<unknown>((resolve) => actions.get(name)?.(resolve));
  return { sink, gauges, read, trigger };
}

const log = createLogger({ name: 'test', destination: new Writable({ write: (_c, _e, done) => done() }) });

describe('createWorkerMetrics', () => {
  it('shows channel state, restarts, messages per minute, queue depth and reply latency', async () => {
    let now = 1_000;
    const fake = fakeSink();
    let state = { state: 'running', restarts: 0 };
    const metrics = createWorkerMetrics({ sink: fake.sink, log, now: () => now, channel: () => state, queueDepth: async () => 7, state: () => 'running' });
    await Promise.resolve();
    expect([...fake.gauges.keys()].sort()).toEqual(Object.values(metricNames).sort());
    metrics.messageIn();
    metrics.messageIn();
    now += 120;
    metrics.replyOut(1_000);
    state = { state: 'backoff', restarts: 2 };
    expect(fake.read(metricNames.messagesIn)).toBe(2);
    expect(fake.read(metricNames.messagesOut)).toBe(1);
    expect(fake.read(metricNames.replyLatencyP95)).toBe(120);
    expect(fake.read(metricNames.channelState)).toBe('backoff');
    expect(fake.read(metricNames.channelRestarts)).toBe(2);
    expect(fake.read(metricNames.queueDepth)).toBe(7);
    expect(fake.read(metricNames.state)).toBe('running');
    metrics.replyOut(undefined); // a message about no user message: counted, no latency
    expect(fake.read(metricNames.messagesOut)).toBe(2);
    expect(fake.read(metricNames.replyLatencyP95)).toBe(120);
    now += 61_000;
    expect(fake.read(metricNames.messagesIn)).toBe(0);
    metrics.close();
  });

  it('leaves out channel and queue metrics a worker does not have', () => {
    const fake = fakeSink();
    createWorkerMetrics({ sink: fake.sink, log });
    expect([...fake.gauges.keys()].sort()).toEqual([metricNames.messagesIn, metricNames.messagesOut, metricNames.replyLatencyP95].sort());
  });

  it('answers an action with its result, or with the error instead of throwing', async () => {
    const fake = fakeSink();
    const metrics = createWorkerMetrics({ sink: fake.sink, log });
    metrics.action('restart-channel', () => 'restarting');
    metrics.action('broken', () => {
      throw new Error('nope');
    });
    expect(await fake.trigger('restart-channel')).toEqual({ ok: true, result: 'restarting' });
    expect(await fake.trigger('broken')).toEqual({ ok: false, error: 'nope' });
  });
});
