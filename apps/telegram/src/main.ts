import { homedir, hostname } from 'node:os';
import { Worker } from 'bullmq';
import { AppError, describeError, isAppError } from '@nanobot/core';
import { loadConfig, type LoadedConfig } from '@nanobot/config';
import { createLogger } from '@nanobot/log';
import {
  bullPrefix,
  createErrorLogger,
  createLease,
  createQueues,
  createRedis,
  createSentMarkers,
  createStatusReporter,
  queueNames,
  workerReliability,
} from '@nanobot/bus';
import { backoffDelayMs, createSupervisor } from '@nanobot/supervisor';
import { createApi } from './create-api.js';
import { createTelegramChannel } from './telegram-channel.js';
import { createSender } from './send-outbound.js';
import { createTypingIndicator } from './typing-indicator.js';

const log = createLogger({ name: 'nanobot-telegram', level: process.env.LOG_LEVEL });

async function loadOrExit(): Promise<LoadedConfig> {
  try {
    return await loadConfig({ env: process.env, homeDir: homedir() });
  } catch (err) {
    log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
    process.exit(1);
  }
}

/**
 * Restart delays: the supervisor's 2^n backoff, except for outages of Telegram
 * or Redis, which are retried every 2 s at most so that service resumes within
 * seconds of the outage ending; rate limits and conflicts wait what they ask for.
 */
function restartDelayMs(failures: number, err: unknown): number {
  if (isAppError(err, 'CHANNEL_FATAL')) return 300_000;
  if (err instanceof AppError && err.retryAfterMs !== undefined) return err.retryAfterMs;
  if (isAppError(err, 'CHANNEL_UNAVAILABLE') || isAppError(err, 'BUS_UNAVAILABLE')) {
    return Math.min(backoffDelayMs(failures), 2_000);
  }
  return backoffDelayMs(failures);
}

async function main(): Promise<void> {
  const loaded = await loadOrExit();
  for (const warning of loaded.warnings) log.warn({ warning }, 'config key not recognised');
  const settings = loaded.config.channels.telegram;
  if (!settings.enabled) {
    log.error('channels.telegram.enabled is false: nothing to run');
    process.exit(1);
  }
  const url = loaded.redis.url;
  const producer = createRedis({ url, role: 'producer', log, name: 'telegram-producer' });
  const workerConnection = createRedis({ url, role: 'worker', log, name: 'telegram-worker' });
  const queues = createQueues(producer, log);
  let api;
  try {
    api = createApi(settings);
  } catch (err) {
    log.fatal({ code: 'CONFIG_INVALID' }, describeError(err));
    process.exit(1);
  }
  const typing = createTypingIndicator({ api, log });

  let outbound: Worker | undefined;
  let outboundStarted = false;
  const botId = settings.token.split(':')[0] ?? 'unknown';
  // pm2 keeps pm_id for a process slot across restarts: a restarted worker reclaims its own lease.
  const holder = `${hostname()}:${process.env.pm_id ?? `pid${process.pid}`}`;
  const channel = createTelegramChannel({
    api,
    queues,
    producer,
    settings,
    log,
    typing,
    lease: createLease({ redis: producer, name: `telegram:${botId}`, holder, ttlMs: 5_000 }),
    onActive: () => {
      if (outbound === undefined) return;
      if (!outboundStarted) {
        outboundStarted = true;
        void outbound.run().catch((err: unknown) => {
          log.fatal({ err }, 'outbound worker ended');
          process.exit(1);
        });
      } else {
        Promise.resolve(outbound.resume()).catch((err: unknown) => log.warn({ err }, 'could not resume the outbound worker'));
      }
    },
    onStandby: () => {
      // Not awaited: pausing waits for the blocking connection, which may be waiting for Redis.
      if (outboundStarted) {
        void outbound?.pause(true).catch((err: unknown) => log.warn({ err }, 'could not pause the outbound worker'));
      }
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

  const sender = createSender({
    api,
    markers: createSentMarkers(producer),
    log,
    rateLimit: async (ms) => outbound?.rateLimit(ms),
    onSent: (message) => typing.stop(message.chatId),
    replyToMessage: settings.replyToMessage,
  });
  outbound = new Worker(queueNames.outbound('telegram'), sender, {
    connection: workerConnection,
    prefix: bullPrefix,
    // One at a time keeps replies in order per chat; a rate-limited reply holds its place.
    concurrency: 1,
    autorun: false,
    ...workerReliability,
  });
  outbound.on('error', createErrorLogger(log, 'outbound worker error'));
  outbound.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));

  const status = createStatusReporter({
    redis: producer,
    app: 'nanobot-telegram',
    instance: process.env.NODE_APP_INSTANCE ?? String(process.pid),
    pid: process.pid,
    host: hostname(),
    channels: () => ({ telegram: { ...supervisor.state() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping telegram worker');
    let code = 0;
    try {
      await supervisor.stop(signal);
    } catch (err) {
      log.error({ err }, 'telegram channel did not stop in time, exiting anyway');
      code = 1;
    }
    typing.stopAll();
    await outbound?.close();
    await status.stop().catch((err: unknown) => log.warn({ err }, 'could not clear status'));
    await queues.close();
    await Promise.all([producer.quit(), workerConnection.quit()]);
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await queues.waitUntilReady();
  supervisor.start().then(
    () => log.info('telegram channel supervisor ended'),
    (err: unknown) => {
      log.fatal({ err }, 'telegram channel could not be stopped or restarted, exiting for pm2 to restart');
      process.exit(1);
    },
  );
  status.start();
  log.info('telegram worker ready');
  process.send?.('ready');
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'telegram worker failed to start');
  process.exit(1);
});
