import { Writable } from 'node:stream';
import { isAppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { describe, expect, it } from 'vitest';
import type { ChannelContext } from './create-runner.js';
import { createSupervisor, type SupervisorOptions } from './create-supervisor.js';
import { createFakeClock } from './fake-clock.js';
import type { SupervisorState } from './state-store.js';

type LogLine = { level: string; msg: string };

function setup(run: SupervisorOptions['run'], overrides: Partial<SupervisorOptions> = {}) {
  const clock = createFakeClock(0);
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const states: SupervisorState[] = [];
  const supervisor = createSupervisor({
    name: 'telegram', run, clock, log: createLogger({ name: 'test', destination }),
    onState: (state) => void states.push(state), ...overrides,
  });
  return { clock, lines, states, supervisor };
}

/** Records every run's context; each run ends when its signal is aborted, after `settleMs`. */
function abortableChannel(clock: { sleep(ms: number): Promise<void> }, settleMs = 0) {
  const contexts: ChannelContext[] = [];
  const run = (ctx: ChannelContext): Promise<void> => {
    contexts.push(ctx);
    return new Promise<void>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        void clock.sleep(settleMs).then(() => reject(new DOMException('aborted', 'AbortError')));
      });
    });
  };
  return { contexts, run };
}

describe('createSupervisor stop', () => {
  it('ends the loop when stopped during a run, without counting the abort as a failure', async () => {
    const clock = createFakeClock(0);
    const channel = abortableChannel(clock, 500);
    const h = setup(channel.run, { clock });
    const done = h.supervisor.start();
    await clock.flush();
    expect(h.supervisor.state().state).toBe('running');
    const stopped = h.supervisor.stop('SIGTERM');
    expect(channel.contexts[0]?.signal.reason).toMatchObject({ name: 'AbortError' });
    expect(h.supervisor.state().state).toBe('stopping');
    await clock.advance(500);
    await stopped;
    await done;
    expect(clock.pending()).toBe(0); // the stop deadline timer was cancelled
    await clock.runAll();
    expect(channel.contexts).toHaveLength(1);
    expect(h.supervisor.state()).toMatchObject({ state: 'stopped', consecutiveFailures: 0, lastError: null });
    expect(h.lines.some((l) => l.level === 'error' || l.msg.startsWith('Restarting'))).toBe(false);
    expect(h.lines.find((l) => l.msg.includes('while stopping'))?.level).toBe('info');
  });

  it('cancels a pending backoff when stopped and never starts again', async () => {
    let runs = 0;
    const h = setup(async () => {
      runs++;
      throw new Error('boom');
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    expect(h.supervisor.state().state).toBe('backoff');
    await h.clock.advance(1000);
    await h.supervisor.stop();
    await done;
    expect(h.clock.pending()).toBe(0);
    await h.clock.advance(600_000);
    expect(runs).toBe(1);
    expect(h.states.map((s) => s.state).slice(-3)).toEqual(['backoff', 'stopping', 'stopped']);
    expect(h.supervisor.state()).toMatchObject({ nextRetryAt: null, consecutiveFailures: 1 });
  });

  it('rejects stop() and start() with STOP_TIMEOUT when the run ignores its signal', async () => {
    const h = setup(() => new Promise<void>(() => undefined), { stopDeadlineMs: 10_000 });
    const done = h.supervisor.start();
    const startResult = done.then(() => 'resolved', (err: unknown) => err);
    await h.clock.flush();
    const stopResult = h.supervisor.stop().then(() => 'resolved', (err: unknown) => err);
    await h.clock.advance(9_999);
    expect(h.supervisor.state().state).toBe('stopping');
    await h.clock.advance(1);
    const stopError = await stopResult;
    expect(isAppError(stopError, 'STOP_TIMEOUT')).toBe(true);
    expect(await startResult).toBe(stopError);
    expect(h.supervisor.state()).toMatchObject({ state: 'failed', lastErrorCode: 'STOP_TIMEOUT' });
    const failed = 'telegram supervisor failed: STOP_TIMEOUT: telegram channel did not settle within 10000 ms after stop was requested';
    expect(h.lines.find((l) => l.msg === failed)?.level).toBe('error');
  });

  it('treats a stop before start as final and repeated stops as one', async () => {
    let runs = 0;
    const h = setup(async () => void runs++);
    await h.supervisor.stop();
    await h.supervisor.start();
    expect(runs).toBe(0);
    expect(h.supervisor.state().state).toBe('stopped');

    const clock = createFakeClock(0);
    const channel = abortableChannel(clock);
    const g = setup(channel.run, { clock });
    const done = g.supervisor.start();
    await clock.flush();
    const first = g.supervisor.stop();
    expect(g.supervisor.stop()).toBe(first);
    await clock.runAll();
    await Promise.all([first, done]);
    await g.supervisor.stop();
    expect(g.lines.filter((l) => l.msg === 'Stopping telegram channel...')).toHaveLength(1);
    expect(g.states.filter((s) => s.state === 'stopped')).toHaveLength(1);
  });
});
