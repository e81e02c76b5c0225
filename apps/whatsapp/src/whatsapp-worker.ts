import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { isAppError, type OutboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import {
  bullPrefix, createChannelControl, createPairingGate, createPairingStore, createPutBackHold, createQueues, importPairingFile, createRedis, createSentMarkers, createStatusReporter, createTrafficRecorder, holdableWorkerOptions, queueNames,
  resolveHostName,
  workerReliability,
} from '@nanobot/bus';
import { backoffDelayMs, createSupervisor, type Supervisor } from '@nanobot/supervisor';
import { closeWithin } from '@nanobot/runtime';
import { createMediaKeeper } from './keep-media.js';
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
  /** Where nanobot's pairing.json is; its approvals are loaded at start. */
  nanobotHome?: string;
  /** Metrics: a message was queued for the agent / a reply was sent. */
  onMessageIn?: () => void;
  onMessageOut?: (message: OutboundMessage) => void;
  /** Received files are copied to `<workspace>/media/whatsapp/<chat>/` (`agents.defaults.workspace`); without it they stay where the bridge put them. */
  workspace?: string;
  /** `channels.whatsapp.maxMediaMb`, named in the line that refuses a file the bridge found too large. */
  maxMediaMb?: number;
};

export type WhatsappWorker = {
  supervisor: Supervisor;
  /** Replies waiting to be sent (pm2 metric). */
  queueDepth(): Promise<number>;
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
  // On the fail-fast connection, like the adds: an outage drops the link and the bridge resends.
  const pairingStore = createPairingStore(producer);
  const channel = createWhatsappChannel({
    url: options.bridgeUrl, token: options.token, queues, policy: options.policy, log, heartbeatMs: options.heartbeatMs,
    onUp: () => putBacks.channelBack(),
    pairing: createPairingGate({ channel: 'whatsapp', store: pairingStore, queues, log }),
    ...(options.onMessageIn === undefined ? {} : { onQueued: options.onMessageIn }),
    ...(options.workspace === undefined
      ? {}
      : { keepMedia: createMediaKeeper({ mediaDir: join(options.workspace, 'media', 'whatsapp'), maxMediaMb: options.maxMediaMb ?? 20 }) }),
  });
  const supervisor = createSupervisor({
    name: 'whatsapp', run: channel.run, log, liveness: { windowMs: options.heartbeatMs * 3 }, delayMs: restartDelayMs, stopDeadlineMs: 10_000,
    onState: () => status.publishSoon(),
  });
  const sender = createSender({
    link: channel.link, markers: createSentMarkers(workerConnection), log, hold: putBacks.hold,
    ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
    ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
    ...(options.onMessageOut === undefined ? {} : { onSent: options.onMessageOut }),
  });
  const outbound = new Worker(queueNames.outbound('whatsapp'), sender, {
    connection: workerConnection, prefix: bullPrefix,
    // One at a time keeps replies in order per chat; a put-back reply holds its place.
    concurrency: 1, autorun: false, ...holdableWorkerOptions, ...workerReliability,
  });
  outbound.on('error', (err) => log.warn({ err }, 'outbound worker error'));
  outbound.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));
  // `/restart` in a chat: the supervisor restarts the bridge link.
  const control = createChannelControl({ redisUrl: options.redisUrl, channel: 'whatsapp', log, onRestart: (reason) => void supervisor.restartLoop(reason) });
  // The dashboard's traffic chart: a reply delivered whole, and how long after its message.
  const traffic = createTrafficRecorder(producer, log);
  outbound.on('completed', (job) => void traffic.noteOut(job.data as object));
  const status = createStatusReporter({
    redis: producer, app: 'nanobot-whatsapp', instance: options.instance, pid: options.pid, host: resolveHostName(process.env, hostname()),
    channels: () => ({ whatsapp: { ...supervisor.state() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  return {
    supervisor,
    queueDepth: () => queues.outbound('whatsapp').getJobCountByTypes('waiting', 'prioritized'),
    async start(onFatal) {
      await queues.waitUntilReady();
      if (options.nanobotHome !== undefined) {
        await importPairingFile(pairingStore, options.nanobotHome).then(
          (count) => log.info({ count }, 'approved senders loaded from pairing.json'),
          (err: unknown) => log.warn({ err }, 'could not load pairing.json; approvals in Redis still apply'),
        );
      }
      putBacks.startAfterOrphans(() => void outbound.run().catch(onFatal)).catch((err: unknown) => {
        log.error({ err }, 'waiting for orphaned replies failed; sending anyway');
      });
      supervisor.start().then(() => log.info('whatsapp channel supervisor ended'), onFatal);
      await status.start();
      await control.start();
    },
    async stop(reason) {
      let failure: unknown;
      await supervisor.stop(reason).catch((err: unknown) => (failure = err));
      await closeWithin({
        redisReady: producer.status === 'ready' && workerConnection.status === 'ready',
        close: async () => {
          await control.close();
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
