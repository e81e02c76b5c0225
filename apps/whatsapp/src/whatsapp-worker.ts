import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import {
  bullPrefix, createPutBackHold, createQueues, createRedis, createSentMarkers, createStatusReporter, holdableWorkerOptions, queueNames,
  resolveHostName,
  workerReliability,
} from '@nanobot/bus';
import { backoffDelayMs, createSupervisor, type Supervisor } from '@nanobot/supervisor';
import { closeWithin } from '@nanobot/runtime';
import { createSender } from './send-outbound.js';
import type { InboundPolicy } from './to-inbound.js';
import { createWhatsappChannel } from './whatsapp-channel.js';

export type WhatsappWorkerOptions = {
  redisUrl: string;
  bridgeUrl: string;
  token: () => Promise<string>;
  policy: InboundPolicy;
  log: Logger;
  /** Ping the bridge this often; a link without a pong for one interval is dropped (design-notes L15). */
  heartbeatMs: number;
  ackTimeoutMs?: number;
  /** How long the n-th put-back of a reply waits (default putBackDelayMs). */
  putBackDelayMs?: (count: number) => number;
  /** For the status record: pm2 instance id and pid. */
  instance: string;
  pid: number;
};

export type WhatsappWorker = {
  supervisor: Supervisor;
  /** Connects the queues, starts the outbound worker and the supervised channel. */
  start(onFatal: (err: unknown) => void): Promise<void>;
  /** Stops intake and the outbound worker; rejects if the channel did not settle in time. */
  stop(reason: string): Promise<void>;
};

/**
 * The bridge is on the same machine: after a dropped link try again after 250 ms, doubling up
 * to 2 s while the bridge or Redis stays away, so service resumes right after; a refused token
 * needs a fix or a bridge restart, so it waits longer.
 */
export function restartDelayMs(failures: number, err: unknown): number {
  if (isAppError(err, 'CHANNEL_FATAL')) return 30_000;
  if (isAppError(err, 'CHANNEL_UNAVAILABLE') || isAppError(err, 'BUS_UNAVAILABLE')) {
    return Math.min(250 * 2 ** Math.max(0, failures - 1), 2_000);
  }
  return backoffDelayMs(failures);
}

/** The WhatsApp worker without the process: main.ts adds config, signals and exit codes. */
export function createWhatsappWorker(options: WhatsappWorkerOptions): WhatsappWorker {
  const { log } = options;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'whatsapp-producer' });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'whatsapp-worker' });
  const queues = createQueues(producer, log);
  const putBacks = createPutBackHold({ queue: queues.outbound('whatsapp'), rateLimit: async (ms) => outbound.rateLimit(ms), log });
  const channel = createWhatsappChannel({
    url: options.bridgeUrl, token: options.token, queues, policy: options.policy, log, heartbeatMs: options.heartbeatMs,
    onUp: () => putBacks.channelBack(),
  });
  const supervisor = createSupervisor({
    name: 'whatsapp', run: channel.run, log, liveness: { windowMs: options.heartbeatMs * 3 }, delayMs: restartDelayMs, stopDeadlineMs: 10_000,
    onState: () => status.publishSoon(),
  });
  const sender = createSender({
    link: channel.link, markers: createSentMarkers(workerConnection), log, hold: putBacks.hold,
    ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
    ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
  });
  const outbound = new Worker(queueNames.outbound('whatsapp'), sender, {
    connection: workerConnection, prefix: bullPrefix,
    // One at a time keeps replies in order per chat; a put-back reply holds its place.
    concurrency: 1, autorun: false, ...holdableWorkerOptions, ...workerReliability,
  });
  outbound.on('error', (err) => log.warn({ err }, 'outbound worker error'));
  outbound.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));
  const status = createStatusReporter({
    redis: producer, app: 'nanobot-whatsapp', instance: options.instance, pid: options.pid, host: resolveHostName(process.env, hostname()),
    channels: () => ({ whatsapp: { ...supervisor.state() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  return {
    supervisor,
    async start(onFatal) {
      await queues.waitUntilReady();
      putBacks.startAfterOrphans(() => void outbound.run().catch(onFatal)).catch((err: unknown) => {
        log.error({ err }, 'waiting for orphaned replies failed; sending anyway');
      });
      supervisor.start().then(() => log.info('whatsapp channel supervisor ended'), onFatal);
      await status.start();
    },
    async stop(reason) {
      let failure: unknown;
      await supervisor.stop(reason).catch((err: unknown) => (failure = err));
      await closeWithin({
        redisReady: producer.status === 'ready' && workerConnection.status === 'ready',
        close: async () => {
          await outbound.close();
          await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
          await queues.close();
          await Promise.all([producer.quit(), workerConnection.quit()]);
        },
      }).catch((err: unknown) => (failure ??= err));
      if (failure !== undefined) throw failure;
    },
  };
}
