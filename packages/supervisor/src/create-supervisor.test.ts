import { Writable } from 'node:stream';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { describe, expect, it } from 'vitest';
import type { ChannelContext } from './create-runner.js';
import { createSupervisor, type SupervisorOptions } from './create-supervisor.js';
import { createFakeClock } from './fake-clock.js';
import type { SupervisorState } from './state-store.js';

// Only `code` is asserted on `err`: @nanobot/log currently drops non-enumerable fields (message, stack).
type LogLine = { level: string; msg: string; err?: { code?: string; message?: string } };

function setup(run: SupervisorOptions['run'], overrides: Partial<SupervisorOptions> = {}) {
  const clock = createFakeClock(1_000_000);
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const log = createLogger({ name: 'test', destination });
  const states: SupervisorState[] = [];
  const onState = (state: SupervisorState): void => void states.push(state);
  const supervisor = createSupervisor({ name: 'telegram', run, log, clock, onState, ...overrides });
  const messages = (): string[] => lines.map((line) => line.msg);
  /** Moves to the end of the current backoff and returns how long it was. */
  const nextDelayMs = async (): Promise<number> => {
    const { nextRetryAt } = supervisor.state();
    if (nextRetryAt === null) throw new Error(`not in backoff but ${supervisor.state().state}`);
    const delayMs = nextRetryAt - clock.now();
    await clock.advance(delayMs);
    return delayMs;
  };
  return { clock, lines, states, supervisor, messages, nextDelayMs };
}

/** A healthy channel: runs until its signal is aborted. */
const untilAborted = (ctx: ChannelContext): Promise<void> =>
  new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));

describe('createSupervisor restarts', () => {
  it('restarts a failing channel after 2, 4, 8 … 256 s, then every 300 s, never longer', async () => {
    let runs = 0;
    const h = setup(async () => {
      runs++;
      throw new Error('network blip');
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    const delays: number[] = [];
    for (let i = 0; i < 11; i++) delays.push((await h.nextDelayMs()) / 1000);
    expect(delays).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    expect(runs).toBe(12);
    expect(h.supervisor.state()).toMatchObject({ restarts: 11, consecutiveFailures: 12, lastError: 'network blip' });
    const restartLines = h.messages().filter((m) => m.startsWith('Restarting'));
    expect(restartLines.slice(0, 3)).toEqual([
      'Restarting telegram channel in 2s...',
      'Restarting telegram channel in 4s...',
      'Restarting telegram channel in 8s...',
    ]);
    await h.supervisor.stop();
    await done;
  });

  it('goes back to a 2 s delay after a run that lasted stableRunMs', async () => {
    const h = setup(async (ctx) => {
      if (h.supervisor.state().restarts === 3) await h.clock.sleep(60_000, ctx.signal);
      throw new Error('dropped');
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    const delays = [await h.nextDelayMs(), await h.nextDelayMs(), await h.nextDelayMs()];
    await h.clock.advance(60_000); // the fourth run is stable, then fails
    delays.push(await h.nextDelayMs(), await h.nextDelayMs());
    expect(delays.map((ms) => ms / 1000)).toEqual([2, 4, 8, 2, 4]);
    await h.supervisor.stop();
    await done;
  });

  it('logs a thrown error and an unexpected return with the exact contract lines', async () => {
    let runs = 0;
    const h = setup(async (ctx) => {
      runs++;
      if (runs === 1) throw new Error('ETIMEDOUT polling');
      if (runs === 2) return;
      await untilAborted(ctx);
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    await h.nextDelayMs();
    await h.nextDelayMs();
    await h.supervisor.stop('SIGTERM');
    await done;
    expect(h.lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'Starting telegram channel...'],
      ['error', 'telegram channel error: ETIMEDOUT polling'],
      ['info', 'Restarting telegram channel in 2s...'],
      ['info', 'Starting telegram channel...'],
      ['warn', 'telegram channel stopped unexpectedly, restarting...'],
      ['info', 'Restarting telegram channel in 4s...'],
      ['info', 'Starting telegram channel...'],
      ['info', 'Stopping telegram channel...'],
      ['info', 'telegram channel stopped'],
    ]);
    expect(h.lines[1]).toHaveProperty('err');
    expect(h.supervisor.state()).toMatchObject({ state: 'stopped', restarts: 2, consecutiveFailures: 2 });
  });

  it('handles a run that throws synchronously or rejects with a non-Error value', async () => {
    let runs = 0;
    const run = ((ctx: ChannelContext) => {
      runs++;
      if (runs === 1) throw 'plain string';
      if (runs === 2) return Promise.reject(new AppError('CHANNEL_UNAVAILABLE', 'bridge closed'));
      return untilAborted(ctx);
    }) as SupervisorOptions['run'];
    const h = setup(run);
    const done = h.supervisor.start();
    await h.clock.flush();
    expect(h.supervisor.state()).toMatchObject({ state: 'backoff', lastError: 'plain string', lastErrorCode: null });
    await h.nextDelayMs();
    expect(h.supervisor.state()).toMatchObject({
      lastError: 'CHANNEL_UNAVAILABLE: bridge closed',
      lastErrorCode: 'CHANNEL_UNAVAILABLE',
    });
    await h.nextDelayMs();
    expect(h.messages()).toContain('telegram channel error: plain string');
    expect(h.messages()).toContain('telegram channel error: CHANNEL_UNAVAILABLE: bridge closed');
    expect(h.lines.find((l) => l.msg.endsWith('plain string'))?.err?.code).toBe('INTERNAL');
    expect(h.lines.find((l) => l.msg.endsWith('bridge closed'))?.err?.code).toBe('CHANNEL_UNAVAILABLE');
    expect(runs).toBe(3);
    await h.supervisor.stop();
    await done;
  });
});

describe('createSupervisor delays', () => {
  it('honours retryAfterMs when it is longer than the backoff', async () => {
    const h = setup(async () => {
      throw new AppError('CHANNEL_RATE_LIMITED', 'too many requests', { retryAfterMs: 30_500 });
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    expect(await h.nextDelayMs()).toBe(30_500);
    expect(h.messages()).toContain('Restarting telegram channel in 31s...');
    expect(h.supervisor.state().lastErrorCode).toBe('CHANNEL_RATE_LIMITED');
    await h.supervisor.stop();
    await done;
  });

  it('waits the 300 s maximum after CHANNEL_FATAL', async () => {
    const h = setup(async () => {
      throw new AppError('CHANNEL_FATAL', 'unauthorized: bad token');
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    expect(await h.nextDelayMs()).toBe(300_000);
    expect(h.messages()).toContain('Restarting telegram channel in 300s...');
    await h.supervisor.stop();
    await done;
  });

  it('uses a delayMs override with the failure count and the error', async () => {
    const seen: Array<[number, string]> = [];
    const h = setup(
      async () => {
        throw new Error('nope');
      },
      { delayMs: (failures, err) => (seen.push([failures, (err as Error).message]), 500) },
    );
    const done = h.supervisor.start();
    await h.clock.flush();
    expect(await h.nextDelayMs()).toBe(500);
    expect(await h.nextDelayMs()).toBe(500);
    expect(seen.slice(0, 2)).toEqual([[1, 'nope'], [2, 'nope']]);
    await h.supervisor.stop();
    await done;
  });
});

describe('createSupervisor onState', () => {
  it('reports every transition with a fresh copy', async () => {
    let runs = 0;
    const h = setup(async (ctx) => {
      if (++runs === 1) throw new Error('boom');
      await untilAborted(ctx);
    });
    const done = h.supervisor.start();
    await h.clock.flush();
    await h.nextDelayMs();
    await h.supervisor.stop();
    await done;
    expect(h.states.map((s) => [s.state, s.restarts])).toEqual([
      ['starting', 0], ['running', 0], ['backoff', 0], ['starting', 1], ['running', 1], ['stopping', 1], ['stopped', 1],
    ]);
    expect(h.states[2]?.nextRetryAt).toBe(1_000_000 + 2000);
    expect(h.states[3]).toMatchObject({ startedAt: 1_002_000, nextRetryAt: null });
    expect(h.states[0]).not.toBe(h.states[1]);
    expect(h.states[0]?.extra).not.toBe(h.states[1]?.extra);
  });

  it('throttles alive-only updates to one per second and merges reported state', async () => {
    const h = setup(async (ctx) => {
      ctx.reportState({ botUsername: 'nanobot' });
      for (let i = 0; i < 5; i++) {
        ctx.reportAlive();
        await h.clock.sleep(300, ctx.signal);
      }
      await untilAborted(ctx);
    });
    const done = h.supervisor.start();
    await h.clock.advance(5000);
    const alive = h.states.filter((s) => s.state === 'running' && s.lastAliveAt !== null);
    expect(alive.map((s) => s.lastAliveAt)).toEqual([1_000_000, 1_001_200]);
    expect(h.supervisor.state()).toMatchObject({ lastAliveAt: 1_001_200, extra: { botUsername: 'nanobot' } });
    await h.supervisor.stop();
    await done;
  });

  it('keeps restarting when onState throws or rejects, and logs it', async () => {
    let runs = 0;
    let calls = 0;
    const h = setup(
      async () => {
        runs++;
        throw new Error('down');
      },
      {
        onState: () => {
          if (++calls % 2 === 0) throw new Error('redis unavailable');
          return Promise.reject(new Error('redis write failed')) as unknown as void;
        },
      },
    );
    const done = h.supervisor.start();
    await h.clock.flush();
    await h.nextDelayMs();
    await h.nextDelayMs();
    expect(runs).toBe(3);
    // Every call failed, half by throwing and half by rejecting: each one is logged.
    const listenerLines = h.lines.filter((l) => l.msg === 'telegram state listener failed');
    expect(calls).toBeGreaterThan(4);
    expect(listenerLines).toHaveLength(calls);
    expect(listenerLines.every((l) => l.level === 'warn' && l.err !== undefined)).toBe(true);
    await h.supervisor.stop();
    await done;
  });
});
