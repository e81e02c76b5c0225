import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError, toJobId, type OutboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, queueNames } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import { countInboundWorkers } from '@nanobot/ops';
import type { ChatRunner } from './create-local-runner.js';
import { describeWait } from './describe-wait.js';

export type ClusterRunnerOptions = {
  redis: Redis;
  log: Logger;
  /** Gives up waiting for the reply after this long. */
  replyTimeoutMs: number;
  pollMs?: number;
  /** Told what the message waits for every `progressEveryMs` (default 5 s). */
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
};

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind either way. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * `nanobot agent` with the cluster running: the message goes to the `inbound` queue
 * like any channel's, a `nanobot-agent` instance runs the turn, and the reply is
 * read (and removed) from `outbound-cli` by its job id, derived from the inbound id.
 */
export function createClusterRunner(options: ClusterRunnerOptions): ChatRunner {
  const queues = createQueues(options.redis, options.log);
  const outbound = new Queue(queueNames.outbound('cli'), { connection: options.redis, prefix: bullPrefix });
  outbound.on('error', (err) => options.log.debug({ err }, 'queue error'));
  const progressEveryMs = options.progressEveryMs ?? 5_000;

  /** One progress line; a failed look is only logged: the wait goes on either way. */
  async function report(inboundId: string, waitedMs: number): Promise<void> {
    try {
      const [jobState, inboundWorkers] = await Promise.all([queues.inbound.getJobState(inboundId), countInboundWorkers(options.redis)]);
      if (jobState === 'failed') {
        const job = await queues.inbound.getJob(inboundId);
        throw new AppError('LLM_UNAVAILABLE', `the agent could not handle the message: ${job?.failedReason ?? 'unknown reason'} (\`nanobot failed\` lists it)`);
      }
      options.onProgress?.(describeWait({ waitedMs, jobState, inboundWorkers }));
    } catch (err) {
      if (err instanceof AppError) throw err;
      options.log.debug({ err }, 'could not look at the waiting message');
    }
  }

  return {
    async run(message, signal) {
      await queues.addInbound(message);
      const inboundId = toJobId(message.id);
      const jobId = toJobId(`${message.id}-reply`);
      const startedAt = Date.now();
      const deadline = startedAt + options.replyTimeoutMs;
      let nextProgressAt = startedAt + progressEveryMs;
      // A model outage answers with a notice first ("I'll keep trying"), and after the retry
      // window with the message that the turn was parked: both are for this terminal too.
      const noticeId = toJobId(`${message.id}-notice-0`);
      const gaveUpId = toJobId(`${message.id}-gaveup-0`);
      while (!signal.aborted) {
        const job = (await outbound.getJob(jobId)) ?? (await outbound.getJob(gaveUpId));
        if (job !== undefined) {
          await job.remove();
          return [(job.data as OutboundMessage).text];
        }
        const notice = await outbound.getJob(noticeId);
        if (notice !== undefined) {
          await notice.remove();
          options.onProgress?.((notice.data as OutboundMessage).text);
        }
        const now = Date.now();
        if (now > deadline) throw new AppError('LLM_UNAVAILABLE', `no reply to ${message.id} in time`, { details: { messageId: message.id } });
        if (now >= nextProgressAt) {
          nextProgressAt = now + progressEveryMs;
          await report(inboundId, now - startedAt);
        }
        await sleep(options.pollMs ?? 100, signal);
      }
      return [];
    },
    async close() {
      await outbound.close();
      await queues.close();
    },
  };
}
