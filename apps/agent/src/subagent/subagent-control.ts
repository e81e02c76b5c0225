import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { dedupeTtlMs, keyPrefix } from '@nanobot/bus';
import { AppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';

const cancelChannel = () => `${keyPrefix}cancel-subagent`;
const runningKey = (sessionKey: string) => `${keyPrefix}subagents:{${sessionKey}}`;
const cancelledKey = (jobId: string) => `${keyPrefix}subagent-cancelled:${jobId}`;
const finishedStates = new Set(['completed', 'failed', 'unknown']);

/**
 * Which subagents a session has, wherever they run, and `/stop` for them. A spawned job is
 * noted in its session's set before it is queued; `/stop` marks every live one cancelled in
 * Redis (so one still waiting, or re-run after a crash, ends at once) and tells every agent
 * process, which aborts the ones it runs. A job registers its controller before it reads its
 * mark, and `/stop` writes the mark before it publishes: a job starting meanwhile sees one
 * or the other.
 */
export function createSubagentControl(deps: { redis: Redis; subscriber: Redis; queue: Queue; log: Logger }) {
  const running = new Map<string, AbortController>();
  deps.subscriber.on('message', (from: string, payload: string) => {
    if (from !== cancelChannel()) return;
    for (const jobId of payload.split(' ')) {
      const controller = running.get(jobId);
      if (controller === undefined) continue;
      deps.log.info({ jobId }, 'subagent cancelled by /stop');
      controller.abort(new AppError('INTERNAL', `subagent ${jobId} cancelled by /stop`));
    }
  });
  const busError = (what: string) => (cause: unknown) => {
    throw new AppError('BUS_UNAVAILABLE', `could not ${what}`, { cause });
  };
  return {
    async start(): Promise<void> {
      await deps.subscriber.subscribe(cancelChannel());
    },
    /** Before the job is queued: `/stop` finds it from the first moment. */
    async track(sessionKey: string, jobId: string): Promise<void> {
      await deps.redis.multi().sadd(runningKey(sessionKey), jobId).pexpire(runningKey(sessionKey), dedupeTtlMs).exec().catch(busError(`note subagent ${jobId}`));
    },
    /** The job ended (answered, cancelled or failed for good). */
    async finished(sessionKey: string, jobId: string): Promise<void> {
      await deps.redis.srem(runningKey(sessionKey), jobId);
    },
    /** The job runs here now; call the result when it ends. */
    register(jobId: string, controller: AbortController): () => void {
      running.set(jobId, controller);
      return () => {
        if (running.get(jobId) === controller) running.delete(jobId);
      };
    },
    isCancelled: async (jobId: string): Promise<boolean> => (await deps.redis.exists(cancelledKey(jobId))) === 1,
    /** `/stop`: cancels the session's live subagents; how many. */
    async stop(sessionKey: string): Promise<number> {
      const ids = await deps.redis.smembers(runningKey(sessionKey));
      const live: string[] = [];
      for (const jobId of ids) {
        const state = await deps.queue.getJobState(jobId);
        if (finishedStates.has(state)) await deps.redis.srem(runningKey(sessionKey), jobId);
        else live.push(jobId);
      }
      if (live.length === 0) return 0;
      const marks = deps.redis.multi();
      for (const jobId of live) marks.set(cancelledKey(jobId), '1', 'PX', dedupeTtlMs);
      await marks.exec();
      await deps.redis.publish(cancelChannel(), live.join(' '));
      return live.length;
    },
  };
}

export type SubagentControl = ReturnType<typeof createSubagentControl>;
