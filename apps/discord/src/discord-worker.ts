import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { AppError, isAppError } from '@nanobot/core';
import type { Config } from '@nanobot/config';
import type { Logger } from '@nanobot/log';
import {
  bullPrefix, createErrorLogger, createHeldLease, createLease, createPutBackHold, createQueues, createRedis, createSentMarkers,
  createStatusReporter, holdableWorkerOptions, queueNames, workerReliability,
} from '@nanobot/bus';
import { backoffDelayMs, createSupervisor } from '@nanobot/supervisor';
import { closeWithin } from '@nanobot/runtime';
import { createDiscordChannel } from './discord-channel.js';
import { createRest } from './discord-rest.js';
import { createSender, type SendFaultPoint } from './send-outbound.js';
import { createTypingIndicator } from './typing-indicator.js';

export type DiscordFaultPoint = SendFaultPoint | 'after-queue';

/**
 * Restart delays: the supervisor's 2^n backoff, except that Discord or Redis being away is
 * retried every 2 s at most (service resumes within seconds of the outage ending), a lost
 * lease waits as a standby at once, and a refused token waits 5 min (a config fix is needed).
 */
export function restartDelayMs(failures: number, err: unknown): number {
  if (isAppError(err, 'CHANNEL_FATAL')) return 300_000;
  if (isAppError(err, 'LEASE_LOST')) return 1_000;
  if (err instanceof AppError && err.retryAfterMs !== undefined) return err.retryAfterMs;
  if (isAppError(err, 'BUS_UNAVAILABLE') || isAppError(err, 'CHANNEL_UNAVAILABLE')) return Math.min(250 * 2 ** Math.max(0, failures - 1), 2_000);
  return backoffDelayMs(failures);
}

export type DiscordWorkerOptions = {
  settings: Config['channels']['discord'];
  redisUrl: string;
  mediaDir: string;
  log: Logger;
  /** Stable across pm2 restarts of the same slot (`host:pm_id`): reclaims its own lease. */
  holder: string;
  instance: string;
  pid: number;
  putBackDelayMs?: (count: number) => number;
  faultPoint?: (point: DiscordFaultPoint) => void | Promise<void>;
};

/**
 * The Discord channel process without the process, built from the shared parts: the
 * supervisor (backoff, watchdog), the gateway lease with hot standbys, inbound adds with the
 * message id as job id, the outbound worker with sent-markers and the put-back hold, and the
 * status record. Discord's own parts are the gateway session, the REST catch-up and the sender.
 */
export function createDiscordWorker(options: DiscordWorkerOptions) {
  const { settings, log } = options;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'discord-producer' });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'discord-worker' });
  const queues = createQueues(producer, log);
  const rest = createRest(settings);
  const typing = createTypingIndicator({ rest, log });
  let fatal: (err: unknown) => void = () => undefined;
  const putBacks = createPutBackHold({ queue: queues.outbound('discord'), rateLimit: async (ms) => outbound.rateLimit(ms), log });
  // The bot's application id is the token's first part (base64); the lease is per token either way.
  const account = Buffer.from(settings.token.split('.')[0] ?? '', 'base64').toString('utf8').replace(/\D/g, '') || 'bot';
  const lease = createHeldLease({
    lease: createLease({ redis: producer, name: `discord:${account}`, holder: options.holder, ttlMs: 5_000 }),
    log,
    what: 'Discord gateway',
    onLost: () => stopSending(),
  });
  const sender = createSender({
    rest,
    markers: createSentMarkers(workerConnection),
    log,
    hold: putBacks.hold,
    onSent: (message) => typing.stop(message.chatId),
    fence: () => lease.fence(workerConnection),
    ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
    ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
  });
  const outbound = new Worker(queueNames.outbound('discord'), sender, {
    connection: workerConnection,
    prefix: bullPrefix,
    // One at a time keeps replies in order per chat; a put-back reply holds its place.
    concurrency: 1,
    autorun: false,
    ...holdableWorkerOptions,
    ...workerReliability,
  });
  outbound.on('error', createErrorLogger(log, 'outbound worker error'));
  outbound.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));
  let outboundStarted = false;
  let sending = false;

  function startSending(): void {
    if (sending) return;
    sending = true;
    const run = () => {
      if (!sending) return;
      if (!outboundStarted) {
        outboundStarted = true;
        outbound.run().catch((err: unknown) => fatal(err));
      } else {
        Promise.resolve(outbound.resume()).catch((err: unknown) => log.warn({ err }, 'could not resume the outbound worker'));
      }
    };
    putBacks.startAfterOrphans(run).catch((err: unknown) => log.error({ err }, 'waiting for orphaned replies failed; sending anyway'));
  }

  function stopSending(): void {
    sending = false;
    typing.stopAll();
    if (outboundStarted) outbound.pause(true).catch((err: unknown) => log.warn({ err }, 'could not pause the outbound worker'));
  }

  const channel = createDiscordChannel({
    rest,
    queues,
    producer,
    settings,
    policy: { allowFrom: settings.allowFrom, allowChannels: settings.allowChannels, groupPolicy: settings.groupPolicy },
    mediaDir: options.mediaDir,
    maxMediaBytes: settings.maxMediaMb * 1024 * 1024,
    lease,
    log,
    onActive: startSending,
    onConnected: () => putBacks.channelBack(),
    onQueued: (message) => typing.start(message.chatId),
    ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
  });
  const supervisor = createSupervisor({
    name: 'discord',
    run: channel.run,
    log,
    // Discord heartbeats every ~41 s; two missed beats and the run is restarted (a fresh session).
    liveness: { windowMs: 100_000 },
    delayMs: restartDelayMs,
    stopDeadlineMs: 10_000,
    onState: () => status.publishSoon(),
  });
  const status = createStatusReporter({
    redis: producer,
    app: 'nanobot-discord',
    instance: options.instance,
    pid: options.pid,
    host: hostname(),
    channels: () => ({ discord: { ...supervisor.state() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  return {
    supervisor,
    async start(onFatal: (err: unknown) => void): Promise<void> {
      fatal = onFatal;
      await queues.waitUntilReady();
      supervisor.start().then(() => log.info('discord channel supervisor ended'), (err: unknown) => onFatal(err));
      await status.start();
    },
    async stop(reason: string): Promise<void> {
      let failure: unknown;
      await supervisor.stop(reason).catch((err: unknown) => (failure = err));
      typing.stopAll();
      await closeWithin({
        redisReady: producer.status === 'ready' && workerConnection.status === 'ready',
        close: async () => {
          await outbound.close();
          await lease.release();
          await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
          await queues.close();
          await Promise.all([producer.quit(), workerConnection.quit()]);
        },
      }).catch((err: unknown) => (failure ??= err));
      if (failure !== undefined) throw failure;
    },
  };
}

export type DiscordWorker = ReturnType<typeof createDiscordWorker>;
