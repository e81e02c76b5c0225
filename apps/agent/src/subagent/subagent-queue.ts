import { Queue, Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, createErrorLogger, inboundJobOptions, jobNames, queueNames, workerReliability } from '@nanobot/bus';
import { AppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { createSubagentControl } from './subagent-control.js';
import type { SubagentJob } from './subagent-job.js';

/** Subagents one agent process runs at once (others wait in the queue for any instance). */
export const subagentConcurrency = 4;

/** The producer side: `spawn` queues here; `/stop` finds the session's subagents here. */
export function createSubagentQueue(deps: { producer: Redis; subscriber: Redis; log: Logger }) {
  const queue = new Queue(queueNames.subagent, { connection: deps.producer, prefix: bullPrefix });
  // Connection loss is logged once by createRedis.
  queue.on('error', (err) => deps.log.debug({ err }, 'subagent queue error'));
  const control = createSubagentControl({ redis: deps.producer, subscriber: deps.subscriber, queue, log: deps.log });
  return {
    queue,
    control,
    /** Durable before `spawn` answers; the same call again (a re-run turn) maps to the same job. */
    async start(job: SubagentJob): Promise<void> {
      await control.track(job.origin.sessionKey, job.jobId);
      try {
        // Retries (the model down, Redis away) like a turn's; stalls (a dead agent) do not use them up.
        await queue.add(jobNames.subagent, job, inboundJobOptions(job.jobId));
      } catch (cause) {
        throw new AppError('BUS_UNAVAILABLE', `could not queue subagent ${job.jobId}`, { cause, details: { jobId: job.jobId } });
      }
      deps.log.info({ jobId: job.jobId, sessionKey: job.origin.sessionKey }, 'subagent queued');
    },
  };
}

export type SubagentQueue = ReturnType<typeof createSubagentQueue>;

/** The consumer side: any agent instance runs the queue's jobs, with the stalled-job settings of the turns. */
export function createSubagentWorker(deps: { connection: Redis; processor: Processor; log: Logger; concurrency?: number }): Worker {
  const worker = new Worker(queueNames.subagent, deps.processor, {
    connection: deps.connection,
    prefix: bullPrefix,
    concurrency: deps.concurrency ?? subagentConcurrency,
    autorun: false,
    ...workerReliability,
  });
  worker.on('error', createErrorLogger(deps.log, 'subagent worker error'));
  worker.on('failed', (job, err) => deps.log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'subagent job failed'));
  return worker;
}
