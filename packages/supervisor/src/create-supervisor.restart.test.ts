import { Writable } from 'node:stream';
import { createLogger } from '@nanobot/log';
import { describe, expect, it } from 'vitest';
import type { ChannelContext } from './create-runner.js';
import { createSupervisor, type SupervisorOptions } from './create-supervisor.js';
import { createFakeClock } from './fake-clock.js';

type LogLine = { level: string; msg: string; reason?: string };

function setup(run: SupervisorOptions['run']) {
  const clock = createFakeClock(0);
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const supervisor = createSupervisor({ name: 'telegram', run, clock, log: createLogger({ name: 'test', destination }) });
  return { clock, lines, supervisor, messages: () => lines.map((l) => l.msg) };
}

describe('createSupervisor restartLoop', () => {
  it('aborts the running channel and starts it again at once, without a failure or a backoff', async () => {
    const signals: AbortSignal[] = [];
    const h = setup((ctx: ChannelContext) => {
      signals.push(ctx.signal);
      return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    expect(signals).toHaveLength(1);
    expect(h.supervisor.restartLoop('pm2 trigger restart-channel')).toBe(true);
    await h.clock.flush();
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as DOMException).name).toBe('AbortError');
    expect(signals[1]?.aborted).toBe(false);
    expect(h.supervisor.state()).toMatchObject({ state: 'running', restarts: 1, consecutiveFailures: 0, lastError: null });
    expect(h.messages()).toContain('Restarting telegram channel on request...');
    expect(h.lines.find((l) => l.msg === 'Restarting telegram channel on request...')?.reason).toBe('pm2 trigger restart-channel');
    expect(h.messages()).toContain('telegram channel restart requested: starting it again now');
    expect(h.messages().filter((m) => m === 'Starting telegram channel...')).toHaveLength(2);
    expect(h.messages().some((m) => m.startsWith('Restarting telegram channel in'))).toBe(false);
    // A second restart works the same way: each request gets a fresh signal.
    expect(h.supervisor.restartLoop('again')).toBe(true);
    await h.clock.flush();
    expect(signals).toHaveLength(3);
    await h.supervisor.stop();
    await done;
  });

  it('cuts a backoff short and starts the channel now', async () => {
    let runs = 0;
    const h = setup(async () => {
      runs++;
      throw new Error('network blip');
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    expect(h.supervisor.state().state).toBe('backoff');
    expect(runs).toBe(1);
    const before = h.clock.now();
    h.supervisor.restartLoop('/restart from telegram:42');
    await Promise.resolve();
    await h.clock.advance(0);
    expect(runs).toBe(2);
    expect(h.clock.now()).toBe(before);
    await h.supervisor.stop();
    await done;
  });

  it('does nothing before start and after stop', async () => {
    const h = setup((ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
    expect(h.supervisor.restartLoop('early')).toBe(false);
    const done = h.supervisor.start();
    await h.clock.flush();
    await h.supervisor.stop();
    await done;
    expect(h.supervisor.restartLoop('late')).toBe(false);
    expect(h.supervisor.state().state).toBe('stopped');
  });
});
