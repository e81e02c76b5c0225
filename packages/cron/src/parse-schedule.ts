import { CronExpressionParser } from 'cron-parser';
import { AppError } from '@nanobot/core';
import type { CronSchedule } from './cron-job.js';

export type ScheduleInput = {
  everyS?: number | string;
  cron?: string;
  tz?: string;
  at?: string;
};

const invalid = (field: string, message: string) =>
  new AppError('MESSAGE_INVALID', `${field}: ${message}`, { details: { field } });

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * nanobot's three schedule options (`--every`, `--cron [--tz]`, `--at`) → a schedule, or an
 * error naming the field. `--at` without an offset is read in `defaultTz`; an instant that is
 * already past is refused rather than fired at once.
 */
export function parseSchedule(input: ScheduleInput, options: { defaultTz: string; now: number }): CronSchedule {
  const given = [input.everyS, input.cron, input.at].filter((v) => v !== undefined && v !== '').length;
  if (given !== 1) throw invalid('schedule', 'give exactly one of --every, --cron or --at');
  if (input.tz !== undefined && input.cron === undefined) throw invalid('tz', '--tz goes with --cron only');
  if (input.everyS !== undefined && input.everyS !== '') {
    const seconds = Number(input.everyS);
    if (!Number.isInteger(seconds) || seconds < 1) throw invalid('every', `expected a whole number of seconds ≥ 1, received "${input.everyS}"`);
    return { kind: 'every', everyMs: seconds * 1000 };
  }
  if (input.cron !== undefined) {
    const tz = input.tz ?? options.defaultTz;
    if (!isTimeZone(tz)) throw invalid('tz', `unknown time zone "${tz}"`);
    try {
      CronExpressionParser.parse(input.cron, { tz, currentDate: new Date(options.now) }).next();
    } catch (err) {
      throw invalid('cron', `invalid cron expression "${input.cron}" (${err instanceof Error ? err.message : String(err)})`);
    }
    return { kind: 'cron', expr: input.cron, tz };
  }
  const atMs = parseInstant(input.at ?? '', options.defaultTz);
  if (atMs === undefined) throw invalid('at', `expected an ISO date and time such as 2026-12-24T18:00, received "${input.at}"`);
  if (atMs <= options.now) throw invalid('at', `${new Date(atMs).toISOString()} is in the past`);
  return { kind: 'at', atMs };
}

/** An ISO date-time; without `Z` or an offset it is a wall-clock time in `tz`. */
export function parseInstant(text: string, tz: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (match === null) return undefined;
  if (match[7] !== undefined) {
    const ms = Date.parse(text.trim().replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : ms;
  }
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  // The offset of `tz` at that wall-clock time, found by formatting the guess back in `tz`.
  const offsetAt = (ms: number) => wallClockUtc(ms, tz) - ms;
  const first = guess - offsetAt(guess);
  return guess - offsetAt(first);
}

function wallClockUtc(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** The next time a schedule fires after `afterMs` (BullMQ uses the same cron parser). */
export function nextFireMs(schedule: CronSchedule, afterMs: number): number | undefined {
  switch (schedule.kind) {
    case 'at':
      return schedule.atMs > afterMs ? schedule.atMs : undefined;
    case 'every':
      return afterMs + schedule.everyMs;
    case 'cron':
      return CronExpressionParser.parse(schedule.expr, { tz: schedule.tz, currentDate: new Date(afterMs) }).next().getTime();
    default: {
      const never: never = schedule;
      throw new AppError('INTERNAL', `unknown schedule ${JSON.stringify(never)}`);
    }
  }
}

/** A schedule in words, for `cron list`. */
export function describeSchedule(schedule: CronSchedule): string {
  switch (schedule.kind) {
    case 'at':
      return `at ${new Date(schedule.atMs).toISOString()}`;
    case 'every':
      return `every ${schedule.everyMs / 1000}s`;
    case 'cron':
      return `cron "${schedule.expr}" (${schedule.tz})`;
    default: {
      const never: never = schedule;
      throw new AppError('INTERNAL', `unknown schedule ${JSON.stringify(never)}`);
    }
  }
}
