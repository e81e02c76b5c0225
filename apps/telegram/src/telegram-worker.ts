import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { AppError, isAppError, type OutboundMessage } from '@nanobot/core';
import type { Config } from '@nanobot/config';
import type { Logger } from '@nanobot/log';
import {
  bullPrefix,
  createChannelControl,
  createErrorLogger,
  createLease,
  createPairingGate,
  createPairingStore,
  createPutBackHold,
  createQueues,
  createRedis,
  createSentMarkers,
  createTrafficRecorder,
  createStatusReporter,
  createStreamStates,
  holdableWorkerOptions,
  importPairingFile,
  queueNames,
  resolveHostName,
  workerReliability,
} from '@nanobot/bus';
import { backoffDelayMs, createSupervisor } from '@nanobot/supervisor';
import { closeWithin } from '@nanobot/runtime';
import { createApi, proxyAgentOf } from './create-api.js';
import { createMediaAttacher } from './media/attach-media.js';
import { createDownloader } from './media/download-file.js';
import { createPollerLease } from './poller-lease.js';
import { createSendFence } from './send-fence.js';
import { createSender, type SendFaultPoint } from './send-outbound.js';
import { createTelegramChannel } from './telegram-channel.js';
import { createTypingIndicator } from './typing-indicator.js';
import { createChatPresence } from './chat-presence.js';

/**
 * Restart delays: the supervisor's 2^n backoff, except for outages of Telegram
 * or Redis, which are retried every 2 s at most so that service resumes within
 * seconds of the outage ending; rate limits and conflicts wait what they ask for.
 * Redis is usually a restart away (the first add after it fails while the fail-fast
 * producer connection reconnects), so its retries start at 250 ms and double to 2 s.
 */
export function restartDelayMs(failures: number, err: unknown): number {
  if (isAppError(err, 'CHANNEL_FATAL')) return 300_000;
  // Lost the poller lease: wait as a standby right away, ready to take over again.
  if (isAppError(err, 'LEASE_LOST')) return 1_000;
  if (err instanceof AppError && err.retryAfterMs !== undefined) return err.retryAfterMs;
  if (isAppError(err, 'BUS_UNAVAILABLE')) return Math.min(250 * 2 ** Math.max(0, failures - 1), 2_000);
  if (isAppError(err, 'CHANNEL_UNAVAILABLE')) return Math.min(backoffDelayMs(failures), 2_000);
  return backoffDelayMs(failures);
}

export type TelegramWorkerOptions = {
  settings: Config['channels']['telegram'];
  redisUrl: string;
  log: Logger;
  /** Stable across pm2 restarts of the same slot (`host:pm_id`): reclaims its own poller lease. */
  holder: string;
  instance: string;
  pid: number;
  /** How long the n-th put-back of a reply waits (default putBackDelayMs). */
  putBackDelayMs?: (count: number) => number;
  /** Fault-test hook of the sender (see fault-point.ts). */
  faultPoint?: (point: SendFaultPoint) => void | Promise<void>;
  /** Where nanobot's pairing.json is; its approvals are loaded at start. Without it, no file is read. */
  nanobotHome?: string;
  /** Metrics: a message was queued for the agent / a reply was sent. */
  onMessageIn?: () => void;
  onMessageOut?: (message: OutboundMessage) => void;
  /** `agents.defaults.workspace`: received files go to `<workspace>/media/telegram/<chat>/` (none are fetched without it). */
  workspace?: string;
  /** Fault-test hook of the poller: after a message's files are downloaded, before it is queued. */
  afterDownload?: () => void | Promise<void>;
};

/**
 * The Telegram channel process without the process: supervised polling under a
 * poller lease, the outbound sender that follows the lease, and the status record.
 * `main.ts` adds config, signals and exit codes.
 */
export function createTelegramWorker(options: TelegramWorkerOptions) {
  const { settings, log } = options;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'telegram-producer' });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'telegram-worker' });
  const queues = createQueues(producer, log);
  const api = createApi(settings);
  const typing = createTypingIndicator({ api, log });
  const presence = createChatPresence({ api, log, typing, reactEmoji: settings.reactEmoji });
  let fatal: (err: unknown) => void = () => undefined;
  const putBacks = createPutBackHold({ queue: queues.outbound('telegram'), rateLimit: async (ms) => outbound.rateLimit(ms), log });

  const botId = settings.token.split(':')[0] ?? 'unknown';
  const lease = createPollerLease({
    lease: createLease({ redis: producer, name: `telegram:${botId}`, holder: options.holder, ttlMs: 5_000 }),
    log,
    onLost: () => stopSending(),
  });
  // On the worker's connection, which waits through a Redis outage instead of failing the send.
  const markers = createSentMarkers(workerConnection);
  // On the fail-fast connection: the poller must not wait for Redis to note a message id.
  const seenIds = createSentMarkers(producer);
  const sendFence = createSendFence(() => lease.fence(workerConnection), log);
  const sender = createSender({
    api,
    markers,
    log,
    hold: putBacks.hold,
    onSent: (message) => {
      void presence.answered(message);
      options.onMessageOut?.(message);
    },
    replyToMessage: settings.replyToMessage,
    fence: sendFence.fence,
    ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
    ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
    streams: { states: createStreamStates(workerConnection), intervalMs: Math.round(settings.streamEditInterval * 1000) },
  });
  const outbound = new Worker(queueNames.outbound('telegram'), sendFence.guard(sender), {
    connection: workerConnection,
    prefix: bullPrefix,
    // One at a time keeps replies in order per chat; a rate-limited reply holds its place.
    concurrency: 1,
    autorun: false,
    ...holdableWorkerOptions,
    ...workerReliability,
  });
  outbound.on('error', createErrorLogger(log, 'outbound worker error'));
  outbound.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));
  // The dashboard's traffic chart: a reply delivered whole, and how long after its message.
  const traffic = createTrafficRecorder(producer, log);
  outbound.on('completed', (job) => void traffic.noteOut(job.data as object));
  let outboundStarted = false;
  /** This process sends replies (it holds the poller lease and its outbound worker runs). */
  let sending = false;

  function startSending(): void {
    // A channel restart while still the holder changes nothing for the sender.
    if (sending) return;
    sending = true;
    // A previous lease holder may have died with a reply in hand: it goes first.
    const run = () => {
      if (!sending) return; // lost again while waiting for the orphans
      if (!outboundStarted) {
        outboundStarted = true;
        outbound.run().catch((err: unknown) => fatal(err));
      } else {
        Promise.resolve(outbound.resume()).catch((err: unknown) => log.warn({ err }, 'could not resume the outbound worker'));
      }
    };
    putBacks.startAfterOrphans(run).catch((err: unknown) => log.error({ err }, 'waiting for orphaned replies failed; sending anyway'));
  }

  /** The lease is gone: no new reply is taken; the one in hand stops at its next (fenced) send. */
  function stopSending(): void {
    sending = false;
    typing.stopAll(); // the new holder's replies end no typing started here
    // Not awaited: pausing waits for the blocking connection, which may be waiting for Redis.
    if (outboundStarted) outbound.pause(true).catch((err: unknown) => log.warn({ err }, 'could not pause the outbound worker'));
  }

  // On the fail-fast connection, like the poller's adds: an outage leaves the update unconfirmed.
  const pairingStore = createPairingStore(producer);
  const maxMediaBytes = Math.floor(settings.maxMediaMb * 1024 * 1024);
  const agent = proxyAgentOf(settings);
  const download =
    options.workspace === undefined
      ? undefined
      : createDownloader({
          api,
          token: settings.token,
          ...(settings.apiRoot === undefined ? {} : { apiRoot: settings.apiRoot }),
          ...(agent === undefined ? {} : { agent }),
          mediaDir: join(options.workspace, 'media', 'telegram'),
          maxBytes: maxMediaBytes,
        });
  const channel = createTelegramChannel({
    ...(download === undefined ? {} : { attachMedia: createMediaAttacher({ download, maxBytes: maxMediaBytes }) }),
    ...(options.afterDownload === undefined ? {} : { afterDownload: options.afterDownload }),
    api,
    queues,
    producer,
    settings,
    log,
    presence,
    pairing: createPairingGate({ channel: 'telegram', store: pairingStore, queues, log }),
    lease,
    onActive: startSending,
    onPolled: () => putBacks.channelBack(),
    onSeen: (chatId, messageId) => {
      options.onMessageIn?.();
      return seenIds.noteSeen(`telegram:${chatId}`, messageId);
    },
  });
  const supervisor = createSupervisor({
    name: 'telegram',
    run: channel.run,
    log,
    liveness: { windowMs: (settings.pollTimeoutS + 20) * 1000 },
    delayMs: restartDelayMs,
    stopDeadlineMs: 10_000,
    onState: () => status.publishSoon(),
  });
  // `/restart` in a chat: every telegram worker restarts its loop (a standby's loop waits for the lease again).
  const control = createChannelControl({
    redisUrl: options.redisUrl,
    channel: 'telegram',
    log,
    onRestart: (reason) => void supervisor.restartLoop(reason),
  });
  const status = createStatusReporter({
    redis: producer,
    app: 'nanobot-telegram',
    instance: options.instance,
    pid: options.pid,
    host: resolveHostName(process.env, hostname()),
    channels: () => ({ telegram: { ...supervisor.state() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  return {
    supervisor,
    /** Replies waiting to be sent (pm2 metric). */
    queueDepth: () => queues.outbound('telegram').getJobCountByTypes('waiting', 'prioritized'),
    /** Starts everything; `onFatal` is called if the channel can no longer be stopped or restarted. */
    async start(onFatal: (err: unknown) => void): Promise<void> {
      fatal = onFatal;
      await queues.waitUntilReady();
      if (options.nanobotHome !== undefined) {
        const home = options.nanobotHome;
        // The Redis copy is what the poller reads; the file only adds approvals made elsewhere.
        await importPairingFile(pairingStore, home).then(
          (count) => log.info({ count }, 'approved senders loaded from pairing.json'),
          (err: unknown) => log.warn({ err }, 'could not load pairing.json; approvals in Redis still apply'),
        );
      }
      supervisor.start().then(
        () => log.info('telegram channel supervisor ended'),
        (err: unknown) => onFatal(err),
      );
      await status.start();
      await control.start();
    },
    /** Stops intake, finishes the update and reply in hand, closes connections. Rejects with STOP_TIMEOUT if the channel hangs. */
    async stop(reason: string): Promise<void> {
      let timeout: unknown;
      await supervisor.stop(reason).catch((err: unknown) => {
        timeout = err;
      });
      typing.stopAll();
      await closeWithin({
        redisReady: producer.status === 'ready' && workerConnection.status === 'ready',
        close: async () => {
          await control.close();
          // The reply in hand is finished as the holder; only then may a standby take over.
          await outbound.close();
          await lease.release();
          await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
          await queues.close();
          await Promise.all([producer.quit(), workerConnection.quit()]);
        },
      }).catch((err: unknown) => {
        timeout ??= err;
      });
      if (timeout !== undefined) throw timeout;
    },
  };
}

export type TelegramWorker = ReturnType<typeof createTelegramWorker>;
