import { Writable } from 'node:stream';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { describe, expect, it } from 'vitest';
import { createSupervisor } from './create-supervisor.js';
import { createFakeClock } from './fake-clock.js';
import { redisRefusalOf } from './redis-trouble-episodes.js';

type LogLine = { level: string; msg: string; trouble?: string };

/** What a channel's inbound add throws while Redis refuses writes: our error around Redis's reply. */
const refused = (reply: string) => new AppError('BUS_UNAVAILABLE', 'could not add job 1 to inbound', { cause: new Error(reply) });

function setup(errors: () => unknown) {
  const clock = createFakeClock(1_000_000);
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const log = createLogger({ name: 'test', destination, level: 'debug' });
  const supervisor = createSupervisor({
    name: 'telegram',
    log,
    clock,
    run: async () => {
      throw errors();
    },
  });
  const nextDelayMs = async (): Promise<number> => {
    const { nextRetryAt } = supervisor.state();
    if (nextRetryAt === null) throw new Error(`not in backoff but ${supervisor.state().state}`);
    const delayMs = nextRetryAt - clock.now();
    await clock.advance(delayMs);
    return delayMs;
  };
  return { clock, lines, supervisor, nextDelayMs };
}

describe('a channel held by Redis refusing writes', () => {
  it('retries every few seconds, never on the long backoff, and logs one error per episode', async () => {
    let reply = "OOM command not allowed when used memory > 'maxmemory'.";
    const h = setup(() => refused(reply));
    const done = h.supervisor.start();
    await h.clock.flush();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) delays.push((await h.nextDelayMs()) / 1000);
    expect(delays).toEqual([2, 4, 5, 5, 5, 5, 5, 5]);
    reply = 'MISCONF Errors writing to the AOF file: No space left on device';
    for (let i = 0; i < 3; i++) await h.nextDelayMs();
    const errors = h.lines.filter((line) => line.level === 'error');
    expect(errors.map((line) => line.trouble)).toEqual(['Redis full', 'Redis cannot write to disk']);
    expect(errors[0]?.msg).toContain('telegram channel held: Redis full');
    expect(h.lines.filter((line) => line.msg.startsWith('Restarting'))).toEqual([]);
    await h.supervisor.stop();
    await done;
  });

  it('counts only Redis refusals: a reset may be the remote channel\'s and keeps the normal backoff', () => {
    expect(redisRefusalOf(refused('LOADING Redis is loading the dataset in memory'))).toBe('Redis loading');
    expect(redisRefusalOf(refused("READONLY You can't write against a read only replica."))).toBe('Redis read-only');
    expect(redisRefusalOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(redisRefusalOf(new Error('network blip'))).toBeUndefined();
  });
});
