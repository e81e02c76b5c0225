import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import type { Config } from '@nanobot/config';
import {
  bullPrefix,
  createErrorLogger,
  createQueues,
  createRedis,
  createStatusReporter,
  queueNames,
  readLastActive,
  retention,
  resolveHostName,
  workerReliability,
} from '@nanobot/bus';
import { cronFireJobName, createCronStore, heartbeatJobId, type CronFireData } from '@nanobot/cron';
import type { Logger } from '@nanobot/log';
import { createAnswerForwarder } from './forward-answer.js';
import { createFireHandler } from './fire-job.js';
import { createFireRecords } from './fire-records.js';
import { importNanobotJobs } from './import-nanobot-jobs.js';

export type SchedulerWorkerOptions = {
  config: Config;
  redisUrl: string;
  nanobotHome: string;
  log: Logger;
  instance: string;
  pid: number;
  now?: () => number;
};

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The scheduler process without the process: the worker that turns fires of the `cron` queue
 * into agent turns, the worker that takes the agent's answers to them from `outbound-system`,
 * the heartbeat's job scheduler and the status record. Any number may run: BullMQ hands each
 * fire and each answer to one of them.
 */
export function createSchedulerWorker(options: SchedulerWorkerOptions) {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'scheduler-producer' });
  const connection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'scheduler-worker' });
  const queues = createQueues(producer, log);
  const store = createCronStore({ redis: connection, now });
  const fires = createFireRecords(connection);
  const workspace = config.agents.defaults.workspace;

  const fire = createFireHandler({
    store,
    queues,
    fires,
    log,
    now,
    readHeartbeat: async () => {
      try {
        return await readFile(join(workspace, 'HEARTBEAT.md'), 'utf8');
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    lastActive: () => readLastActive(connection),
  });
  const forward = createAnswerForwarder({ store, queues, fires, log, now });
  const common = { connection, prefix: bullPrefix, autorun: false, ...workerReliability } as const;
  const fireWorker = new Worker<CronFireData>(queueNames.cron, fire, { ...common, concurrency: 4 });
  const answerWorker = new Worker(queueNames.outbound('system'), forward, { ...common, concurrency: 4 });
  for (const worker of [fireWorker, answerWorker]) {
    worker.on('error', createErrorLogger(log, 'scheduler worker error'));
    worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'scheduler job failed'));
  }
  const status = createStatusReporter({
    redis: producer,
    app: 'nanobot-scheduler',
    instance: options.instance,
    pid: options.pid,
    host: resolveHostName(process.env, hostname()),
    channels: () => ({ scheduler: { state: fireWorker.isRunning() ? 'running' : 'stopped', heartbeat: config.gateway.heartbeat.enabled } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  /** The heartbeat is a job scheduler of its own; its period follows the config, kept across restarts. */
  async function syncHeartbeat(): Promise<void> {
    const { enabled, intervalS } = config.gateway.heartbeat;
    const existing = await store.queue.getJobScheduler(heartbeatJobId);
    if (!enabled) {
      if (existing !== undefined) await store.queue.removeJobScheduler(heartbeatJobId);
      return;
    }
    const every = intervalS * 1000;
    if (existing !== undefined && Number(existing.every) === every) return;
    await store.queue.upsertJobScheduler(
      heartbeatJobId,
      { every, startDate: now() + every },
      { name: cronFireJobName, data: { cronJobId: heartbeatJobId }, opts: { ...retention } },
    );
    log.info({ intervalS }, 'heartbeat scheduled');
  }

  let running: Promise<unknown> | undefined;
  return {
    store,
    /** For the pm2 metrics: fires taken, answers forwarded. */
    workers: { fire: fireWorker, answer: answerWorker },
    async start(onFatal: (err: unknown) => void): Promise<void> {
      await queues.waitUntilReady();
      await store.queue.waitUntilReady();
      // nanobot kept its jobs in the data folder, newer versions in the workspace.
      for (const dir of [options.nanobotHome, workspace]) await importNanobotJobs({ store, redis: connection, path: join(dir, 'cron', 'jobs.json'), log, now });
      for (const job of await store.list()) await store.ensureScheduled(job);
      await syncHeartbeat();
      running = Promise.all([fireWorker.run(), answerWorker.run()]).catch(onFatal);
      await Promise.all([fireWorker.waitUntilReady(), answerWorker.waitUntilReady()]);
      await status.start();
    },
    async stop(): Promise<void> {
      await Promise.all([fireWorker.close(), answerWorker.close()]);
      await running;
      await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
      await store.close();
      await queues.close();
      await Promise.all([producer.quit(), connection.quit()]);
    },
  };
}
