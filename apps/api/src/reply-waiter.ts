import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError, parseOutboundMessage, type OutboundMessage } from '@nanobot/core';
import { bullPrefix, createErrorLogger, keyPrefix, queueNames, workerReliability } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';

type Waiter = { extras: string[]; resolve: (text: string) => void };

/** Redis pub/sub channel on which replies are passed between API processes. */
const replyChannel = () => `${keyPrefix}api-replies`;

export type ReplyWaiter = ReturnType<typeof createReplyWaiter>;

/**
 * The `api` channel's outbound side: replies the agent adds to `outbound-api` are handed to
 * the request waiting for them, by the inbound id they answer. The turn's answer (`<id>-reply`,
 * or the parked-turn notice `<id>-gaveup-n`) ends the wait; what the `message` tool wrote to
 * this chat comes first; "still trying" notices are left out. A reply nobody waits for any
 * more (the caller left, or timed out) is dropped: the exchange is in the session anyway.
 */
export function createReplyWaiter(options: { connection: Redis; log: Logger }) {
  const { log } = options;
  const waiters = new Map<string, Waiter>();
  // Another API process (`nanobot serve` beside nanobot-api) may be the one waiting: a reply
  // taken here for a request of another process is passed on to all of them.
  const subscriber = options.connection.duplicate();
  subscriber.on('error', createErrorLogger(log, 'api reply subscriber error'));

  function handOver(reply: OutboundMessage, waiter: Waiter): void {
    const final = reply.id === `${reply.inReplyTo}-reply` || reply.id.startsWith(`${reply.inReplyTo}-gaveup-`);
    if (final) waiter.resolve([...waiter.extras, reply.text].join('\n\n'));
    else if (!reply.id.startsWith(`${reply.inReplyTo}-notice-`)) waiter.extras.push(reply.text);
  }

  async function deliver(job: Job): Promise<void> {
    const reply = parseOutboundMessage(job.data);
    const waiter = waiters.get(reply.inReplyTo);
    if (waiter !== undefined) return handOver(reply, waiter);
    // Nobody here waits (any more): perhaps another API process does; if none, it is dropped.
    await options.connection.publish(replyChannel(), JSON.stringify(reply));
    log.debug({ jobId: job.id }, 'reply for a request of no waiter here passed on');
  }

  subscriber.on('message', (_channel: string, text: string) => {
    try {
      const reply = parseOutboundMessage(JSON.parse(text));
      const waiter = waiters.get(reply.inReplyTo);
      if (waiter !== undefined) handOver(reply, waiter);
    } catch (err) {
      log.warn({ err }, 'unreadable reply on the api reply channel');
    }
  });

  const worker = new Worker(queueNames.outbound('api'), deliver, {
    connection: options.connection,
    prefix: bullPrefix,
    concurrency: 16,
    autorun: false,
    ...workerReliability,
  });
  worker.on('error', createErrorLogger(log, 'api reply worker error'));

  return {
    /**
     * Registers the wait before the message is queued (call `expect`, then add the message):
     * resolves with the answer, rejects on `signal` or after `timeoutMs`.
     */
    expect(inboundId: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
      return new Promise<string>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', aborted);
          waiters.delete(inboundId);
        };
        const aborted = () => {
          done();
          reject(new AppError('INTERNAL', `request for ${inboundId} cancelled by the caller`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new AppError('LLM_UNAVAILABLE', `no answer to ${inboundId} within ${Math.round(timeoutMs / 1000)}s`, { details: { timeout: true } }));
        }, timeoutMs);
        waiters.set(inboundId, {
          extras: [],
          resolve: (text) => {
            done();
            resolve(text);
          },
        });
        if (signal.aborted) aborted();
        else signal.addEventListener('abort', aborted, { once: true });
      });
    },
    async start(onFatal: (err: unknown) => void): Promise<void> {
      await subscriber.subscribe(replyChannel());
      worker.run().catch(onFatal);
    },
    waiting: () => waiters.size,
    async close(): Promise<void> {
      await worker.close();
      await subscriber.quit();
    },
  };
}
