import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { describeError } from '@nanobot/core';
import { keyPrefix } from '@nanobot/bus';
import { cronTargetSchema, heartbeatJobId, type CronSchedule, type CronStore, type CronTarget, type NewCronJob } from '@nanobot/cron';
import type { Logger } from '@nanobot/log';

type Raw = Record<string, unknown>;
const pick = (o: Raw | undefined, camel: string, snake: string): unknown => o?.[camel] ?? o?.[snake];
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' ? Number(v) : undefined);

function toSchedule(raw: Raw | undefined, defaultTz: string): CronSchedule | undefined {
  switch (raw?.kind) {
    case 'at': {
      const atMs = num(pick(raw, 'atMs', 'at_ms'));
      return atMs === undefined ? undefined : { kind: 'at', atMs };
    }
    case 'every': {
      const everyMs = num(pick(raw, 'everyMs', 'every_ms'));
      return everyMs === undefined ? undefined : { kind: 'every', everyMs: Math.max(1_000, everyMs) };
    }
    case 'cron': {
      const expr = str(raw.expr);
      return expr === undefined ? undefined : { kind: 'cron', expr, tz: str(raw.tz) ?? defaultTz };
    }
    default:
      return undefined;
  }
}

/** nanobot's two ways of saying where an answer goes: the origin session, or deliver/channel/to. */
function toTarget(payload: Raw | undefined): CronTarget | undefined {
  const sessionKey = str(pick(payload, 'sessionKey', 'session_key'));
  const origin = { channel: str(pick(payload, 'originChannel', 'origin_channel')), chatId: str(pick(payload, 'originChatId', 'origin_chat_id')) };
  const legacy = { channel: str(payload?.channel), chatId: str(payload?.to) };
  const candidate =
    origin.channel !== undefined && origin.chatId !== undefined
      ? { ...origin, sessionKey: sessionKey ?? `${origin.channel}:${origin.chatId}` }
      : payload?.deliver === true && legacy.channel !== undefined && legacy.chatId !== undefined
        ? { ...legacy, sessionKey: `${legacy.channel}:${legacy.chatId}` }
        : undefined;
  const parsed = cronTargetSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Imports nanobot's `cron/jobs.json` once (a marker in Redis remembers it): every job keeps its
 * id, name, schedule and target; a one-shot job already past comes in disabled; a job whose
 * target is a channel we do not run keeps only its run history. The file is left untouched.
 */
export async function importNanobotJobs(options: { store: CronStore; redis: Redis; path: string; log: Logger; now: () => number; defaultTz?: string }): Promise<number> {
  const { log } = options;
  let text: string;
  try {
    text = await readFile(options.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  if ((await options.redis.set(`${keyPrefix}cron:imported`, options.path, 'NX')) !== 'OK') return 0;
  let jobs: Raw[];
  try {
    const parsed = JSON.parse(text) as { jobs?: unknown };
    jobs = Array.isArray(parsed.jobs) ? (parsed.jobs as Raw[]) : [];
  } catch (err) {
    log.error({ err: describeError(err), path: options.path }, 'nanobot cron jobs file is not valid JSON; not imported');
    return 0;
  }
  const defaultTz = options.defaultTz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  let imported = 0;
  for (const raw of jobs) {
    const id = str(raw.id);
    const payload = raw.payload as Raw | undefined;
    const schedule = toSchedule(raw.schedule as Raw | undefined, defaultTz);
    const message = str(payload?.message);
    if (id === undefined || id === heartbeatJobId || schedule === undefined || message === undefined) {
      log.warn({ id }, 'nanobot cron job skipped: no usable schedule or message');
      continue;
    }
    const past = schedule.kind === 'at' && schedule.atMs <= options.now();
    const target = toTarget(payload);
    const job: NewCronJob = { id, name: str(raw.name) ?? message.slice(0, 30), message, schedule, enabled: raw.enabled !== false && !past, ...(target === undefined ? {} : { deliver: target }) };
    try {
      await options.store.add(job);
      imported += 1;
    } catch (err) {
      log.warn({ id, err: describeError(err) }, 'nanobot cron job skipped');
    }
  }
  log.info({ imported, path: options.path }, 'nanobot cron jobs imported');
  return imported;
}
