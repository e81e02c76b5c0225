import { Writable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { runWorkerProcess, type ProcessPort, type RunnableWorker } from './run-worker-process.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function fakePort(home: string) {
  const handlers = new Map<string, () => void>();
  const lines: string[] = [];
  const port: ProcessPort & { ready: number } = {
    env: { NANOBOT_HOME: home },
    homeDir: home,
    ready: 0,
    onSignal: (signal, handler) => void handlers.set(signal, handler),
    exit: (code) => {
      throw new Exit(code);
    },
    sendReady: () => void (port.ready += 1),
  };
  const log = createLogger({
    name: 'test',
    destination: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }),
  });
  return { port, log, lines, signal: (name: string) => handlers.get(name)?.() };
}

function worker(overrides: Partial<RunnableWorker> = {}): RunnableWorker & { stops: number } {
  const w = { stops: 0, start: async () => undefined, stop: async () => void (w.stops += 1), ...overrides };
  return w;
}

describe('runWorkerProcess', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'nanobot-runtime-'));
  });
  afterEach(async () => rm(home, { recursive: true, force: true }));

  it('exits 1 naming the bad field before building anything', async () => {
    await writeFile(join(home, 'config.json'), JSON.stringify({ channels: { telegram: { allowFrom: 'x' } } }));
    const { port, log, lines } = fakePort(home);
    const create = vi.fn();
    await expect(runWorkerProcess({ name: 'w', port, log, create })).rejects.toEqual(new Exit(1));
    expect(create).not.toHaveBeenCalled();
    expect(lines.join('')).toContain('channels.telegram.allowFrom');
  });

  it('exits 1 with the message of a CONFIG_INVALID thrown while building the worker', async () => {
    const { port, log, lines } = fakePort(home);
    const create = () => {
      throw new AppError('CONFIG_INVALID', 'channels.telegram.enabled is false: nothing to run');
    };
    await expect(runWorkerProcess({ name: 'w', port, log, create })).rejects.toEqual(new Exit(1));
    expect(lines.join('')).toContain('channels.telegram.enabled is false');
  });

  it('says ready after start, and stops once on SIGTERM then SIGINT, exiting 0', async () => {
    const { port, log, signal } = fakePort(home);
    const w = worker();
    await runWorkerProcess({ name: 'w', port, log, create: () => w });
    expect(port.ready).toBe(1);
    const exits: number[] = [];
    port.exit = (code) => {
      exits.push(code);
      return undefined as never;
    };
    signal('SIGTERM');
    signal('SIGINT');
    await vi.waitFor(() => expect(exits).toEqual([0]));
    expect(w.stops).toBe(1);
  });

  it('exits 1 when the worker cannot stop in time, and when it reports a fatal error', async () => {
    const { port, log, signal } = fakePort(home);
    let fatal: (err: unknown) => void = () => undefined;
    const w = worker({
      start: async (onFatal) => void (fatal = onFatal),
      stop: async () => {
        throw new AppError('STOP_TIMEOUT', 'telegram channel did not stop within 10000 ms');
      },
    });
    await runWorkerProcess({ name: 'w', port, log, create: () => w });
    const exits: number[] = [];
    port.exit = (code) => {
      exits.push(code);
      return undefined as never;
    };
    signal('SIGTERM');
    await vi.waitFor(() => expect(exits).toEqual([1]));
    fatal(new Error('outbound worker ended'));
    expect(exits).toEqual([1, 1]);
  });
});
