import { Writable } from 'node:stream';
import { isAppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { describe, expect, it } from 'vitest';
import type { ChannelContext } from './create-runner.js';
import { createSupervisor, type SupervisorOptions } from './create-supervisor.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';

type LogLine = { level: string; msg: string };

function setup(clock: FakeClock, run: SupervisorOptions['run'], overrides: Partial<SupervisorOptions> = {}) {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const supervisor = createSupervisor({
    name: 'telegram', run, clock, log: createLogger({ name: 'test', destination }),
    liveness: { windowMs: 90_000, checkEveryMs: 10_000 }, ...overrides,
  });
  return { lines, supervisor, messages: () => lines.map((l) => l.msg) };
}

/** A transport that is connected but deaf: it never completes a poll, and ends when aborted. */
function deafChannel() {
  const contexts: ChannelContext[] = [];
  const run = (ctx: ChannelContext): Promise<void> => {
    contexts.push(ctx);
    return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  };
  return { contexts, run };
}

describe('liveness watchdog', () => {
  it('publishes its window with the state, so a reader judges liveness by the same rule', () => {
    const h = setup(createFakeClock(0), deafChannel().run);
    expect(h.supervisor.state().livenessWindowMs).toBe(90_000);
    const unwatched = setup(createFakeClock(0), deafChannel().run, { liveness: undefined });
    expect(unwatched.supervisor.state().livenessWindowMs).toBeNull();
  });

  it('restarts a run that reports no transport activity within the window', async () => {
    const clock = createFakeClock(0);
    const channel = deafChannel();
    const h = setup(clock, channel.run);
    const done = h.supervisor.start();
    await clock.advance(90_000);
    expect(channel.contexts).toHaveLength(1);
    await clock.advance(10_000);
    const reason: unknown = channel.contexts[0]?.signal.reason;
    expect(isAppError(reason, 'CHANNEL_UNAVAILABLE')).toBe(true);
    expect(h.lines.find((l) => l.msg.includes('deaf'))).toMatchObject({
      level: 'warn',
      msg: 'telegram transport is deaf: no activity for 100s, restarting...',
    });
    expect(h.supervisor.state()).toMatchObject({
      state: 'backoff',
      consecutiveFailures: 1,
      lastErrorCode: 'CHANNEL_UNAVAILABLE',
    });
    expect(h.messages()).toContain('Restarting telegram channel in 2s...');
    await clock.advance(2000);
    expect(channel.contexts).toHaveLength(2);
    expect(channel.contexts[1]?.signal.aborted).toBe(false);
    await h.supervisor.stop();
    await done;
  });

  it('leaves a run alone while it keeps completing polls, however quiet the chat', async () => {
    const clock = createFakeClock(0);
    let runs = 0;
    const h = setup(clock, async (ctx) => {
      runs++;
      while (!ctx.signal.aborted) {
        await clock.sleep(30_000, ctx.signal); // one long poll with no updates
        ctx.reportAlive();
      }
    });
    const done = h.supervisor.start();
    await clock.advance(30 * 60_000);
    expect(runs).toBe(1);
    expect(h.messages().some((m) => m.includes('deaf'))).toBe(false);
    expect(h.supervisor.state()).toMatchObject({ state: 'running', lastAliveAt: 30 * 60_000 });
    await h.supervisor.stop();
    await done;
  });

  it('does not count activity reported by a previous run for the current one', async () => {
    const clock = createFakeClock(0);
    const channel = deafChannel();
    let runs = 0;
    const h = setup(clock, async (ctx) => {
      if (++runs > 1) return channel.run(ctx);
      const stale = async (): Promise<void> => {
        for (;;) {
          await clock.sleep(5_000);
          ctx.reportAlive(); // a leaked loop of the first run, still ticking
        }
      };
      void stale();
      throw new Error('socket closed');
    });
    const done = h.supervisor.start();
    await clock.advance(2000 + 100_000);
    expect(channel.contexts[0]?.signal.aborted).toBe(true);
    expect(h.supervisor.state().lastAliveAt).toBeNull();
    await h.supervisor.stop();
    await done;
  });

  it('fails start() with STOP_TIMEOUT when a deaf run does not settle after its abort', async () => {
    const clock = createFakeClock(0);
    const h = setup(clock, () => new Promise<void>(() => undefined), { stopDeadlineMs: 5_000 });
    const result = h.supervisor.start().then(() => 'resolved', (err: unknown) => err);
    await clock.advance(100_000);
    expect(h.supervisor.state().state).toBe('running');
    await clock.advance(5_000);
    expect(isAppError(await result, 'STOP_TIMEOUT')).toBe(true);
    expect(h.supervisor.state()).toMatchObject({ state: 'failed', lastErrorCode: 'STOP_TIMEOUT' });
    expect(h.lines.find((l) => l.msg.startsWith('telegram supervisor failed: STOP_TIMEOUT'))?.level).toBe('error');
    expect(clock.pending()).toBe(0);
    await h.supervisor.stop(); // after the end: a no-op
  });
});
