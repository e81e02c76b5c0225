import { RateLimitError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { AppError } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { createPutBacks } from './put-back.js';

type Line = { msg: string; [key: string]: unknown };

function setup(maxPutBacks = 2) {
  const lines: Line[] = [];
  const holds: Array<[number, string]> = [];
  const log = createLogger({ name: 'put-back', level: 'debug', destination: { write: (line: string) => lines.push(JSON.parse(line) as Line) } });
  const putBacks = createPutBacks({ service: 'telegram', log, maxPutBacks, putBackDelayMs: (n) => n * 100, hold: async (ms, kind) => void holds.push([ms, kind]) });
  return { lines, holds, putBacks };
}

describe('createPutBacks', () => {
  it('names Redis trouble as Redis and the service\'s errors as the service', async () => {
    const { lines, holds, putBacks } = setup();
    const oom = new Error("OOM command not allowed when used memory > 'maxmemory'.");
    await expect(putBacks.putBack({ jobId: 'j1', chunk: 0 }, { err: oom })).rejects.toBeInstanceOf(RateLimitError);
    const down = new AppError('CHANNEL_UNAVAILABLE', 'telegram answered 502 on sendMessage');
    await expect(putBacks.putBack({ jobId: 'j2' }, { err: down, code: down.code })).rejects.toBeInstanceOf(RateLimitError);
    expect(lines.map((l) => [l.msg, l.redis, l.trouble, l.code])).toEqual([
      ['redis unavailable, reply put back', 'full', 'Redis full', undefined],
      ['telegram unavailable, reply put back', undefined, undefined, 'CHANNEL_UNAVAILABLE'],
    ]);
    expect(holds).toEqual([[100, 'outage'], [100, 'outage']]);
  });

  it('holds for the service\'s own wait as a rate limit, and counts put-backs in a row per reply until the budget is spent', async () => {
    const { holds, putBacks } = setup(2);
    const err = new AppError('CHANNEL_RATE_LIMITED', 'telegram rate limit');
    await expect(putBacks.putBack({ jobId: 'j' }, { err, retryAfterMs: 3_000 })).rejects.toBeInstanceOf(RateLimitError);
    await expect(putBacks.putBack({ jobId: 'j' }, { err })).rejects.toBeInstanceOf(RateLimitError);
    // The third in a row resolves: the caller fails the attempt its own way.
    await expect(putBacks.putBack({ jobId: 'j' }, { err })).resolves.toBeUndefined();
    expect(holds).toEqual([[3_000, 'rate-limit'], [200, 'outage']]);
    // Counting starts again after the budget, and after a send.
    await expect(putBacks.putBack({ jobId: 'j' }, { err })).rejects.toBeInstanceOf(RateLimitError);
    putBacks.sent('j');
    await expect(putBacks.putBack({ jobId: 'j' }, { err })).rejects.toBeInstanceOf(RateLimitError);
    expect(holds.slice(2)).toEqual([[100, 'outage'], [100, 'outage']]);
  });

  it('puts a reply back for the lease\'s new holder after a short hold', async () => {
    const { lines, holds, putBacks } = setup();
    await expect(putBacks.leaseLost({ jobId: 'j', chunk: 1 }, 'slack connection')).rejects.toBeInstanceOf(RateLimitError);
    expect(lines.map((l) => [l.msg, l.chunk])).toEqual([['slack connection lease lost, reply put back for the new holder', 1]]);
    expect(holds).toEqual([[1_000, 'outage']]);
  });
});
