import { Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChannelName } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { bullPrefix, createErrorLogger, createPutBackHold, holdableWorkerOptions, queueNames, workerReliability, type PutBackHold, type Queues } from '@nanobot/bus';

export type OutboundOptions = {
  name: ChannelName;
  queues: Queues;
  /** The worker's connection: it waits through a Redis outage instead of failing the job. */
  connection: Redis;
  log: Logger;
  /** The worker could not be started (its run rejected): the process cannot send any more. */
  onFatal: (err: unknown) => void;
};

export type Outbound = {
  putBacks: PutBackHold;
  /** Attaches the channel's job processor; once, before the first `startSending`. */
  setProcessor(send: Processor): void;
  worker(): Worker;
  /** Starts (or resumes) sending, after the replies a previous holder still had in hand. Idempotent. */
  startSending(): void;
  /** No new reply is taken; the one in hand stops at its next fenced send. */
  stopSending(): void;
  close(): Promise<void>;
};

/**
 * The channel's outbound BullMQ worker: one reply at a time, so replies keep their order per
 * chat and a put-back reply holds its place at the head of the queue (createPutBackHold).
 * It follows the lease: started when this process becomes the holder, paused when it loses it.
 */
export function createOutbound(options: OutboundOptions): Outbound {
  const { log } = options;
  let send: Processor | undefined;
  let worker: Worker | undefined;
  const putBacks = createPutBackHold({ queue: options.queues.outbound(options.name), rateLimit: async (ms) => theWorker().rateLimit(ms), log });
  let started = false;
  let sending = false;

  function theWorker(): Worker {
    if (worker !== undefined) return worker;
    const processor: Processor = async (job, token, signal) => {
      if (send === undefined) throw new Error('no outbound processor was set');
      if (!sending) {
        // A worker blocked waiting for a job when it was paused still takes the next one that
        // arrives (BullMQ checks the pause only before it blocks): it goes back untouched.
        log.info({ jobId: job.id }, 'not the sender any more: reply put back for the holder');
        throw Worker.RateLimitError();
      }
      return send(job, token, signal);
    };
    worker = new Worker(queueNames.outbound(options.name), processor, {
      connection: options.connection, prefix: bullPrefix,
      concurrency: 1, autorun: false, ...holdableWorkerOptions, ...workerReliability,
    });
    worker.on('error', createErrorLogger(log, 'outbound worker error'));
    worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));
    return worker;
  }

  return {
    putBacks,
    setProcessor(processor) {
      send = processor;
      theWorker();
    },
    worker: theWorker,
    startSending() {
      if (sending) return; // a channel restart while still the holder changes nothing for the sender
      sending = true;
      // A previous holder may have died with a reply in hand: it goes first.
      const go = () => {
        if (!sending) return; // lost again while waiting for the orphans
        if (!started) {
          started = true;
          theWorker().run().catch((err: unknown) => options.onFatal(err));
        } else {
          Promise.resolve(theWorker().resume()).catch((err: unknown) => log.warn({ err }, 'could not resume the outbound worker'));
        }
      };
      putBacks.startAfterOrphans(go).catch((err: unknown) => log.error({ err }, 'waiting for orphaned replies failed; sending anyway'));
    },
    stopSending() {
      sending = false;
      // Not awaited: pausing waits for the blocking connection, which may be waiting for Redis.
      if (started) theWorker().pause(true).catch((err: unknown) => log.warn({ err }, 'could not pause the outbound worker'));
    },
    async close() {
      // The reply in hand is finished as the holder; only then may a standby take over.
      await worker?.close();
    },
  };
}
