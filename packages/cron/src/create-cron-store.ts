import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import { bullPrefix, keyPrefix, queueNames, retention } from '@nanobot/bus';
import { cronJobSchema, cronRunSchema, type CronJob, type CronRun, type CronSchedule, type CronTarget } from './cron-job.js';

/** The name of every job the scheduler fires; its data says which cron job it is. */
export const cronFireJobName = 'cron-fire';
export type CronFireData = { cronJobId: string; manual?: boolean };

const jobsKey = () => `${keyPrefix}cron:jobs`;
const runsKey = (id: string) => `${keyPrefix}cron:runs:${id}`;
const historyLength = 20;

export type NewCronJob = {
  name: string;
  message: string;
  schedule: CronSchedule;
  deliver?: CronTarget;
  /** Only for the heartbeat and imports; new jobs get a random one. */
  id?: string;
  enabled?: boolean;
};

export type CronJobView = CronJob & { nextRunAtMs: number | null; runs: CronRun[] };

/** The BullMQ id of a one-shot job's single fire (ids must not contain `:`). */
const atJobId = (job: CronJob & { schedule: { kind: 'at' } }) => `at-${job.id}-${job.schedule.atMs}`;

/**
 * Cron jobs in Redis, fired by BullMQ: `every` and `cron` jobs are BullMQ job schedulers
 * (`upsertJobScheduler`), so they fire once per period however many schedulers run and keep
 * firing across restarts; an `at` job is one delayed job. Every change here is seen by the
 * running cluster at once: there is nothing else to reload.
 */
export function createCronStore(options: { redis: Redis; now?: () => number }) {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const queue = new Queue<CronFireData>(queueNames.cron, { connection: redis, prefix: bullPrefix });
  queue.on('error', () => undefined); // reported through the failing call

  async function get(id: string): Promise<CronJob | undefined> {
    const json = await redis.hget(jobsKey(), id);
    return json === null ? undefined : cronJobSchema.parse(JSON.parse(json));
  }

  async function require(id: string): Promise<CronJob> {
    const job = await get(id);
    if (job === undefined) throw new AppError('MESSAGE_INVALID', `id: no cron job "${id}"`, { details: { field: 'id' } });
    return job;
  }

  async function save(job: CronJob): Promise<void> {
    await redis.hset(jobsKey(), job.id, JSON.stringify(cronJobSchema.parse(job)));
  }

  async function schedule(job: CronJob): Promise<void> {
    await unschedule(job);
    if (!job.enabled) return;
    const template = { name: cronFireJobName, data: { cronJobId: job.id }, opts: { ...retention } };
    switch (job.schedule.kind) {
      case 'at':
        await queue.add(cronFireJobName, { cronJobId: job.id }, { jobId: atJobId({ ...job, schedule: job.schedule }), delay: Math.max(0, job.schedule.atMs - now()), ...retention });
        return;
      case 'every':
        // First fire one period from now, as nanobot does (BullMQ would otherwise fire at once).
        await queue.upsertJobScheduler(job.id, { every: job.schedule.everyMs, startDate: now() + job.schedule.everyMs }, template);
        return;
      case 'cron':
        await queue.upsertJobScheduler(job.id, { pattern: job.schedule.expr, tz: job.schedule.tz }, template);
        return;
      default: {
        const never: never = job.schedule;
        throw new AppError('INTERNAL', `unknown schedule ${JSON.stringify(never)}`);
      }
    }
  }

  async function unschedule(job: CronJob): Promise<void> {
    await queue.removeJobScheduler(job.id);
    if (job.schedule.kind === 'at') await queue.remove(atJobId({ ...job, schedule: job.schedule }));
  }

  async function nextRunAtMs(job: CronJob): Promise<number | null> {
    if (!job.enabled) return null;
    if (job.schedule.kind === 'at') return job.schedule.atMs > now() ? job.schedule.atMs : null;
    const scheduler = await queue.getJobScheduler(job.id);
    return scheduler?.next ?? null;
  }

  return {
    queue,
    get,
    async add(input: NewCronJob): Promise<CronJob> {
      const at = now();
      const job: CronJob = {
        id: input.id ?? randomBytes(4).toString('hex'),
        name: input.name,
        enabled: input.enabled ?? true,
        schedule: input.schedule,
        message: input.message,
        ...(input.deliver === undefined ? {} : { deliver: input.deliver }),
        createdAtMs: at,
        updatedAtMs: at,
      };
      const parsed = cronJobSchema.safeParse(job);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') || 'job';
        throw new AppError('MESSAGE_INVALID', `${field}: ${issue?.message ?? 'invalid'}`, { details: { field } });
      }
      await save(parsed.data);
      await schedule(parsed.data);
      return parsed.data;
    },
    async list(): Promise<CronJobView[]> {
      const all = Object.values(await redis.hgetall(jobsKey())).map((json) => cronJobSchema.parse(JSON.parse(json)));
      all.sort((a, b) => a.createdAtMs - b.createdAtMs);
      return Promise.all(all.map(async (job) => ({ ...job, nextRunAtMs: await nextRunAtMs(job), runs: await runs(job.id) })));
    },
    /** True when it existed; its schedule is gone at once. */
    async remove(id: string): Promise<boolean> {
      const job = await get(id);
      if (job === undefined) return false;
      await unschedule(job);
      await redis.hdel(jobsKey(), id);
      await redis.del(runsKey(id));
      return true;
    },
    async setEnabled(id: string, enabled: boolean): Promise<CronJob> {
      const job = { ...(await require(id)), enabled, updatedAtMs: now() };
      await save(job);
      await schedule(job);
      return job;
    },
    /** Fires a job now, outside its schedule; `force` also runs a disabled one. */
    async runNow(id: string, force: boolean): Promise<void> {
      const job = await require(id);
      if (!job.enabled && !force) throw new AppError('MESSAGE_INVALID', `id: cron job "${id}" is disabled (use --force)`, { details: { field: 'id' } });
      await queue.add(cronFireJobName, { cronJobId: id, manual: true }, { jobId: `run-${id}-${now()}`, ...retention });
    },
    /** Makes sure every enabled job has its schedule (after an import, or a Redis that lost it). */
    async ensureScheduled(job: CronJob): Promise<void> {
      if (!job.enabled) return;
      if (job.schedule.kind === 'at') {
        const existing = await queue.getJob(atJobId({ ...job, schedule: job.schedule }));
        if (existing === undefined && job.schedule.atMs > now()) await schedule(job);
        return;
      }
      if ((await queue.getJobScheduler(job.id)) === undefined) await schedule(job);
    },
    /** A one-shot job after its fire: disabled, without touching the fire in hand. */
    async disableAfterRun(id: string): Promise<void> {
      const job = await get(id);
      if (job !== undefined) await save({ ...job, enabled: false, updatedAtMs: now() });
    },
    save,
    recordRun,
    completeRun,
    runs,
    close: () => queue.close(),
  };

  async function recordRun(id: string, run: CronRun): Promise<void> {
    await redis.multi().lpush(runsKey(id), JSON.stringify(cronRunSchema.parse(run))).ltrim(runsKey(id), 0, historyLength - 1).exec();
  }

  /** Adds what happened after the fire (the answer) to that run's record. */
  async function completeRun(id: string, runAtMs: number, patch: Partial<CronRun>): Promise<void> {
    const all = await runs(id);
    const index = all.findIndex((run) => run.runAtMs === runAtMs);
    if (index === -1) return recordRun(id, { runAtMs, status: 'ok', durationMs: 0, ...patch });
    const merged = cronRunSchema.parse({ ...all[index], ...patch });
    await redis.lset(runsKey(id), index, JSON.stringify(merged));
  }

  async function runs(id: string): Promise<CronRun[]> {
    const raw = await redis.lrange(runsKey(id), 0, historyLength - 1);
    return raw.map((json) => cronRunSchema.parse(JSON.parse(json)));
  }
}

export type CronStore = ReturnType<typeof createCronStore>;
