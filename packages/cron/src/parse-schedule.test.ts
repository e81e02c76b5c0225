import { getNextMillis } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { isAppError } from '@nanobot/core';
import { nextFireMs, parseInstant, parseSchedule } from './parse-schedule.js';

const now = Date.parse('2026-10-30T12:00:00Z');
const parse = (input: Parameters<typeof parseSchedule>[0]) => parseSchedule(input, { defaultTz: 'America/New_York', now });
const fieldOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return isAppError(err) ? err.details?.field : err;
  }
  return undefined;
};

describe('parseSchedule', () => {
  it('reads --every, --cron with a time zone and --at', () => {
    expect(parse({ everyS: '90' })).toEqual({ kind: 'every', everyMs: 90_000 });
    expect(parse({ cron: '0 9 * * 1-5', tz: 'Europe/Lisbon' })).toEqual({ kind: 'cron', expr: '0 9 * * 1-5', tz: 'Europe/Lisbon' });
    expect(parse({ cron: '0 9 * * *' })).toEqual({ kind: 'cron', expr: '0 9 * * *', tz: 'America/New_York' });
    expect(parse({ at: '2026-12-24T18:00' })).toEqual({ kind: 'at', atMs: Date.parse('2026-12-24T23:00:00Z') });
    expect(parse({ at: '2026-12-24T18:00:00Z' })).toEqual({ kind: 'at', atMs: Date.parse('2026-12-24T18:00:00Z') });
  });

  it('names the field of a bad schedule', () => {
    expect(fieldOf(() => parse({ cron: '61 * * * *' }))).toBe('cron');
    expect(fieldOf(() => parse({ cron: 'every day' }))).toBe('cron');
    expect(fieldOf(() => parse({ cron: '0 9 * * *', tz: 'Mars/Olympus' }))).toBe('tz');
    expect(fieldOf(() => parse({ at: '2026-01-01T10:00' }))).toBe('at');
    expect(fieldOf(() => parse({ at: 'tomorrow' }))).toBe('at');
    expect(fieldOf(() => parse({ everyS: '0' }))).toBe('every');
    expect(fieldOf(() => parse({ everyS: '10', cron: '* * * * *' }))).toBe('schedule');
    expect(fieldOf(() => parse({}))).toBe('schedule');
    expect(fieldOf(() => parse({ everyS: '10', tz: 'UTC' }))).toBe('tz');
  });
});

describe('cron schedules across a daylight saving change', () => {
  it('fires "every day at 9" at 9:00 New York time on both sides of the November change', () => {
    const schedule = { kind: 'cron' as const, expr: '0 9 * * *', tz: 'America/New_York' };
    const before = nextFireMs(schedule, Date.parse('2026-10-31T12:00:00Z'));
    const after = nextFireMs(schedule, Date.parse('2026-10-31T14:00:00Z'));
    expect(new Date(before!).toISOString()).toBe('2026-10-31T13:00:00.000Z'); // EDT, UTC-4
    expect(new Date(after!).toISOString()).toBe('2026-11-01T14:00:00.000Z'); // EST, UTC-5
    // BullMQ's own repeat calculation, which decides when the job scheduler fires, agrees.
    expect(getNextMillis(Date.parse('2026-10-31T14:00:00Z'), { pattern: schedule.expr, tz: schedule.tz })).toBe(after);
  });

  it('does not fire twice in the repeated hour, nor skip the day of the spring change', () => {
    const schedule = { kind: 'cron' as const, expr: '30 1 * * *', tz: 'America/New_York' };
    const fires: string[] = [];
    let at = Date.parse('2026-10-31T12:00:00Z');
    for (let i = 0; i < 3; i += 1) {
      at = nextFireMs(schedule, at)!;
      fires.push(new Date(at).toISOString());
    }
    // 1:30 happens twice on 2026-11-01 (EDT then EST): one fire that day.
    expect(fires.filter((f) => f.startsWith('2026-11-01'))).toHaveLength(1);
    expect(fires).toHaveLength(3);
    const spring = { kind: 'cron' as const, expr: '30 2 * * *', tz: 'America/New_York' };
    // 2:30 does not exist on 2027-03-14; the job still fires once that day or the next, never twice.
    const a = nextFireMs(spring, Date.parse('2027-03-13T12:00:00Z'))!;
    const b = nextFireMs(spring, a)!;
    expect(b - a).toBeGreaterThanOrEqual(22 * 3_600_000);
  });
});

describe('parseInstant', () => {
  it('reads a wall-clock time in the given zone, including across the offset change', () => {
    expect(parseInstant('2026-07-01T09:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-01T07:00:00Z'));
    expect(parseInstant('2026-12-01T09:00', 'Europe/Berlin')).toBe(Date.parse('2026-12-01T08:00:00Z'));
    expect(parseInstant('2026-12-01 09:00:30+02:00', 'UTC')).toBe(Date.parse('2026-12-01T07:00:30Z'));
    expect(parseInstant('12/01/2026', 'UTC')).toBeUndefined();
  });
});
