import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@nanobot/log';
import {
  AppError,
  defaultWaitTimeoutMs,
  isImmediateCommand,
  toJobId,
  type ChannelName,
  type InboundMessage,
  type OutboundMessage,
} from '@nanobot/core';
import { inboundJobOptions, outboundJobOptions } from './job-options.js';
import { homeNodeOf } from './cluster-nodes.js';
import { bullPrefix, jobNames, queueNames } from './queue-names.js';
import { durabilityOf, type Durability } from './redis-client.js';
import { acceptIntoMailbox } from './session-mailbox.js';
import { recordLastActive } from './last-active.js';
import { createTrafficRecorder } from './traffic.js';
import { createMemoryHeadroom } from './memory-headroom.js';

export type AddResult = { jobId: string };

export type Queues = {
  inbound: Queue;
  outbound(channel: ChannelName): Queue;
  /**
   * Durably adds an inbound message and puts it in its session's mailbox, so turns follow
   * arrival order (session-mailbox.ts); a redelivered message maps to the same job. A channel
   * adds its messages one after the other and, after a failure, nothing more until the failed
   * one was added again (it stays unacknowledged at the source meanwhile): then no message
   * reaches a mailbox before an earlier one of its session.
   *
   * Refused as "Redis full" once Redis memory is past the high-water mark (memory-headroom.ts),
   * unless `followUp`: work of a turn already taken in (a subagent's result) uses the headroom.
   */
  addInbound(message: InboundMessage, options?: { followUp?: boolean }): Promise<AddResult>;
  /** Adds a reply; its id is derived from the inbound id, so a re-run turn adds nothing new. */
  addOutbound(message: OutboundMessage): Promise<AddResult>;
  /** Resolves once every queue's connection is ready (design-notes L6). */
  waitUntilReady(): Promise<void>;
  close(): Promise<void>;
};

/**
 * The producer side of the bus. `connection` should be a producer connection
 * (fail fast while Redis is away) so that callers see an outage as an error. `durability`
 * defaults to the WAIT settings of the connection string the connection was made from.
 */
export function createQueues(connection: Redis, log: Logger, durability: Durability = durabilityOf(connection)): Queues {
  // Connection loss is logged once by createRedis; queue errors repeat it per queue, so debug.
  const onError = (err: Error) => log.debug({ err }, 'queue error');
  const inbound = new Queue(queueNames.inbound, { connection, prefix: bullPrefix });
  const outbound = new Map<ChannelName, Queue>();
  const all = (): Queue[] => [inbound, ...outbound.values()];
  inbound.on('error', onError);
  const traffic = createTrafficRecorder(connection, log);
  const headroom = createMemoryHeadroom(connection);

  const outboundQueue = (channel: ChannelName): Queue => {
    let queue = outbound.get(channel);
    if (queue === undefined) {
      queue = new Queue(queueNames.outbound(channel), { connection, prefix: bullPrefix });
      queue.on('error', onError);
      outbound.set(channel, queue);
    }
    return queue;
  };

  const add = async (queue: Queue, name: string, data: unknown, jobId: string, options: ReturnType<typeof inboundJobOptions>): Promise<AddResult> => {
    try {
      await queue.add(name, data, options);
      return { jobId };
    } catch (cause) {
      throw new AppError('BUS_UNAVAILABLE', `could not add job ${jobId} to ${queue.name}`, {
        cause,
        details: { jobId, queue: queue.name },
      });
    }
  };

  return {
    inbound,
    outbound: outboundQueue,
    addInbound: async (message, options) => {
      const jobId = toJobId(message.id);
      if (options?.followUp !== true) {
        await headroom.admit().catch((cause: unknown) => {
          throw new AppError('BUS_UNAVAILABLE', `holding ${jobId}: Redis memory is past the high-water mark`, { cause, details: { jobId } });
        });
      }
      const result = await add(inbound, jobNames.inbound, message, jobId, inboundJobOptions(jobId));
      // For the dashboard's chart; not awaited, it never holds up a message (and never throws).
      void traffic.noteIn(message);
      // Immediate commands (/stop, /status) are answered at once and never wait in a mailbox.
      if (isImmediateCommand(message)) {
        await waitForReplicas(connection, durability, jobId);
        return result;
      }
      try {
        await acceptIntoMailbox(connection, message);
      } catch (cause) {
        // The job is there and will put the message in itself; failing here makes the channel
        // keep it unacknowledged, so nothing later of the session overtakes it.
        throw new AppError('BUS_UNAVAILABLE', `could not put ${jobId} in its session's mailbox`, { cause, details: { jobId } });
      }
      await waitForReplicas(connection, durability, jobId);
      // Where the heartbeat reports; losing this write costs nothing but a stale target.
      await recordLastActive(connection, message).catch((err: unknown) => log.debug({ err }, 'could not record the last active chat'));
      return result;
    },
    addOutbound: (message) => {
      const jobId = toJobId(message.id);
      return add(outboundQueue(message.channel), jobNames.outbound, message, jobId, outboundJobOptions(jobId));
    },
    waitUntilReady: async () => {
      await Promise.all(all().map((queue) => queue.waitUntilReady()));
    },
    close: async () => {
      await Promise.all(all().map((queue) => queue.close()));
    },
  };
}

/**
 * With `waitReplicas` set, a message counts as added only once that many replicas have it
 * (WAIT): a short count throws, so the channel keeps it unconfirmed at the source and adds it
 * again (the add is idempotent by job id). A failover then cannot lose a confirmed message.
 */
async function waitForReplicas(connection: Redis, durability: Durability, jobId: string): Promise<void> {
  if (durability.waitReplicas <= 0) return;
  // WAIT counts the writes of this connection; on a cluster that is the pooled connection to the
  // node the add went to (every key of ours is in the slot of `{nb}`).
  const node = await homeNodeOf(connection);
  const acked = Number(await node.call('WAIT', String(durability.waitReplicas), String(durability.waitTimeoutMs ?? defaultWaitTimeoutMs)));
  if (acked < durability.waitReplicas) {
    throw new AppError('BUS_UNAVAILABLE', `${jobId} reached ${acked} of ${durability.waitReplicas} replicas`, { details: { jobId, acked } });
  }
}
