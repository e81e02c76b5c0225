import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError, toJobId, type OutboundMessage } from '@nanobot/core';
import { bullPrefix, createQueues, queueNames } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChatRunner } from './create-local-runner.js';

export type ClusterRunnerOptions = {
  redis: Redis;
  log: Logger;
  /** Gives up waiting for the reply after this long. */
  replyTimeoutMs: number;
  pollMs?: number;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
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
  return {
    async run(message, signal) {
      await queues.addInbound(message);
      const jobId = toJobId(`${message.id}-reply`);
      const deadline = Date.now() + options.replyTimeoutMs;
      while (!signal.aborted) {
        const job = await outbound.getJob(jobId);
        if (job !== undefined) {
          await job.remove();
          return [(job.data as OutboundMessage).text];
        }
        if (Date.now() > deadline) throw new AppError('LLM_UNAVAILABLE', `no reply to ${message.id} in time`, { details: { messageId: message.id } });
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
