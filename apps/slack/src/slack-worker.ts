import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { AppError, isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import {
  bullPrefix, createHeldLease, createLease, createPutBackHold, createQueues, createRedis, createSentMarkers, createStatusReporter, holdableWorkerOptions, queueNames,
  workerReliability,
} from '@nanobot/bus';
import { backoffDelayMs, createSupervisor, type ChannelContext, type Supervisor } from '@nanobot/supervisor';
import { closeWithin } from '@nanobot/runtime';
import { createSender, type SendFaultPoint } from './send-outbound.js';
import { authErrors, createWebClient, slackErrorCode } from './slack-api.js';
import { createConversationLog } from './catch-up.js';
import { createFileDownloader, slackFileHosts } from './download-files.js';
import { createSlackChannel } from './slack-channel.js';
import type { InboundPolicy } from './to-inbound.js';

export type SlackWorkerOptions = {
  redisUrl: string;
  botToken: string;
  appToken: string;
  apiBase: string;
  policy: InboundPolicy;
  log: Logger;
  putBackDelayMs?: (count: number) => number;
  serverPingTimeoutMs?: number;
  /** Where received files go (`$NANOBOT_HOME/media/slack`); without it files arrive as notes only. */
  mediaDir?: string;
  faultPoint?: (point: SendFaultPoint) => void;
  /** Stable across restarts of the same pm2 slot, unique across slots and hosts (the lease holder). */
  holder: string;
  /** For the status record: pm2 instance id and pid. */
  instance: string;
  pid: number;
};

export type SlackWorker = {
  supervisor: Supervisor;
  start(onFatal: (err: unknown) => void): Promise<void>;
  stop(reason: string): Promise<void>;
};

/**
 * A refused token needs a config fix (30 s); Slack asking for a reconnect or a dropped link is
 * back within a second or two; anything else backs off as usual.
 */
export function restartDelayMs(failures: number, err: unknown): number {
  if (isAppError(err, 'CHANNEL_FATAL')) return 30_000;
  // Lost the connection lease: wait as a standby right away, ready to take over again.
  if (isAppError(err, 'LEASE_LOST')) return 1_000;
  if (isAppError(err, 'CHANNEL_UNAVAILABLE') || isAppError(err, 'BUS_UNAVAILABLE')) {
    return Math.min(250 * 2 ** Math.max(0, failures - 1), 4_000);
  }
  return backoffDelayMs(failures);
}

/** The Slack worker without the process: main.ts adds config, signals and exit codes. */
export function createSlackWorker(options: SlackWorkerOptions): SlackWorker {
  const { log } = options;
  const producer = createRedis({ url: options.redisUrl, role: 'producer', log, name: 'slack-producer' });
  const workerConnection = createRedis({ url: options.redisUrl, role: 'worker', log, name: 'slack-worker' });
  const queues = createQueues(producer, log);
  const web = createWebClient(options.botToken, options.apiBase);
  let botUser: Promise<string> | undefined;
  // auth.test once per process (until it succeeds): our bot's user id, for mentions and probes.
  const botUserId = (): Promise<string> => {
    botUser ??= web.auth.test().then(
      (answer) => {
        if (typeof answer.user_id !== 'string') throw new AppError('CHANNEL_UNAVAILABLE', 'auth.test returned no user_id');
        return answer.user_id;
      },
      (err: unknown) => {
        const code = slackErrorCode(err);
        throw code !== undefined && authErrors.has(code)
          ? new AppError('CHANNEL_FATAL', `slack refused the bot token (${code})`)
          : new AppError('CHANNEL_UNAVAILABLE', 'auth.test failed', { cause: err });
      },
    );
    return botUser.catch((err: unknown) => {
      botUser = undefined;
      throw err;
    });
  };
  const putBacks = createPutBackHold({ queue: queues.outbound('slack'), rateLimit: async (ms) => outbound.rateLimit(ms), log });
  const channel = createSlackChannel({
    appToken: options.appToken, apiBase: options.apiBase, queues, policy: options.policy, log, botUserId, web,
    conversations: createConversationLog(producer),
    ...(options.mediaDir === undefined ? {} : {
      downloadFiles: createFileDownloader({ botToken: options.botToken, dir: options.mediaDir, hosts: slackFileHosts(options.apiBase), maxBytes: 20 * 1024 * 1024, log }),
    }),
    onUp: () => putBacks.channelBack(),
    ...(options.serverPingTimeoutMs === undefined ? {} : { serverPingTimeoutMs: options.serverPingTimeoutMs }),
  });
  // One Socket Mode connection and one sender per Slack app: more instances are hot standbys.
  const lease = createHeldLease({
    lease: createLease({ redis: producer, name: `slack:${createHash('sha256').update(options.appToken).digest('hex').slice(0, 16)}`, holder: options.holder, ttlMs: 5_000 }),
    log, what: 'slack connection', onLost: () => stopSending(),
  });
  let outboundStarted = false;
  let sending = false;
  function startSending(): void {
    if (sending) return;
    sending = true;
    // A previous holder may have died with a reply in hand: it goes first.
    const go = () => {
      if (!sending) return;
      if (!outboundStarted) {
        outboundStarted = true;
        outbound.run().catch((err: unknown) => fatal(err));
      } else {
        Promise.resolve(outbound.resume()).catch((err: unknown) => log.warn({ err }, 'could not resume the outbound worker'));
      }
    };
    putBacks.startAfterOrphans(go).catch((err: unknown) => log.error({ err }, 'waiting for orphaned replies failed; sending anyway'));
  }
  function stopSending(): void {
    sending = false;
    if (outboundStarted) outbound.pause(true).catch((err: unknown) => log.warn({ err }, 'could not pause the outbound worker'));
  }
  let fatal: (err: unknown) => void = () => undefined;
  let announced = false;
  async function becomeActive(ctx: ChannelContext): Promise<boolean> {
    while (!ctx.signal.aborted) {
      if (await lease.acquire()) {
        announced = false;
        return true;
      }
      if (!announced) log.info({ holder: await lease.holderNow() }, 'another process holds the slack connection; waiting as standby');
      announced = true;
      ctx.reportState({ role: 'standby' });
      ctx.reportAlive(); // waiting for the lease is this worker's normal activity
      await sleep(1_000, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
    return false;
  }
  async function run(ctx: ChannelContext): Promise<void> {
    if (!(await becomeActive(ctx))) return;
    ctx.reportState({ role: 'active' });
    startSending();
    const lost = lease.lostSignal();
    await channel.run({ ...ctx, signal: AbortSignal.any([ctx.signal, lost]) });
    if (lost.aborted && !ctx.signal.aborted) throw lost.reason;
  }
  const pingWindowMs = options.serverPingTimeoutMs ?? 30_000;
  const supervisor = createSupervisor({
    name: 'slack', run, log, liveness: { windowMs: pingWindowMs * 2 }, delayMs: restartDelayMs, stopDeadlineMs: 10_000,
    onState: () => status.publishSoon(),
  });
  const sender = createSender({
    web, botUserId, markers: createSentMarkers(workerConnection), log, hold: putBacks.hold, fence: () => lease.fence(),
    onSent: () => putBacks.channelBack(),
    ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
    ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
  });
  const outbound = new Worker(queueNames.outbound('slack'), sender, {
    connection: workerConnection, prefix: bullPrefix,
    // One at a time keeps replies in order per conversation; a put-back reply holds its place.
    concurrency: 1, autorun: false, ...holdableWorkerOptions, ...workerReliability,
  });
  outbound.on('error', (err) => log.warn({ err }, 'outbound worker error'));
  outbound.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'reply failed'));
  const status = createStatusReporter({
    redis: producer, app: 'nanobot-slack', instance: options.instance, pid: options.pid, host: hostname(),
    channels: () => ({ slack: { ...supervisor.state() } }),
    onError: (err) => log.debug({ err }, 'could not publish status'),
  });

  return {
    supervisor,
    async start(onFatal) {
      fatal = onFatal;
      await queues.waitUntilReady();
      supervisor.start().then(() => log.info('slack channel supervisor ended'), onFatal);
      await status.start();
    },
    async stop(reason) {
      let failure: unknown;
      await supervisor.stop(reason).catch((err: unknown) => (failure = err));
      await closeWithin({
        redisReady: producer.status === 'ready' && workerConnection.status === 'ready',
        close: async () => {
          // The reply in hand is finished as the holder; only then may a standby take over.
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
