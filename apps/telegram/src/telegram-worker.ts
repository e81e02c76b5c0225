import { hostname } from 'node:os';
import { join } from 'node:path';
import type { OutboundMessage } from '@nanobot/core';
import type { Config } from '@nanobot/config';
import type { Logger } from '@nanobot/log';
import { createSentMarkers, createStreamStates, resolveHostName } from '@nanobot/bus';
import { channelRestartDelay, createChannelWorker, type ChannelWorker } from '@nanobot/channel';
import { createApi, proxyAgentOf } from './create-api.js';
import { createMediaAttacher } from './media/attach-media.js';
import { createDownloader } from './media/download-file.js';
import { createSendFence } from './send-fence.js';
import { createSender, type SendFaultPoint } from './send-outbound.js';
import { createTelegramChannel } from './telegram-channel.js';
import { createTypingIndicator } from './typing-indicator.js';
import { createChatPresence } from './chat-presence.js';

/**
 * Restart delays: the kit's, whose defaults are Telegram's: outages of Redis are retried from
 * 250 ms doubling to 2 s (it is usually a restart away: the first add after it fails while the
 * fail-fast producer connection reconnects), rate limits and conflicts (409) wait what they ask
 * for, a lost lease waits as a standby at once, a refused token 5 min. Telegram being away is
 * retried every 2 s, so that service resumes within seconds of the outage ending.
 */
export const restartDelayMs = channelRestartDelay({ unavailableMs: () => 2_000 });

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

export type TelegramWorker = ChannelWorker;

/**
 * The Telegram channel process on the channel kit: supervised polling under the bot's poller
 * lease (the kit's account lease: one poller per bot token, hot standbys), the outbound sender
 * that follows the lease, and the status record. `main.ts` adds config, signals and exit codes.
 *
 * The kit's held lease keeps Telegram's rules: it is held for the life of the process, not one
 * run, so a run that fails with 409 (another getUpdates) or 5xx stays the holder through the
 * restart delay; and every getUpdates and every send is fenced by its token in Redis, so a
 * holder frozen past its TTL polls and sends nothing once it resumes.
 */
export function createTelegramWorker(options: TelegramWorkerOptions): TelegramWorker {
  const { settings, log } = options;
  const api = createApi(settings);
  const typing = createTypingIndicator({ api, log });
  const presence = createChatPresence({ api, log, typing, reactEmoji: settings.reactEmoji });
  const botId = settings.token.split(':')[0] ?? 'unknown';
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
  return createChannelWorker({
    name: 'telegram', redisUrl: options.redisUrl, log, instance: options.instance, pid: options.pid,
    host: resolveHostName(process.env, hostname()),
    lease: { key: `telegram:${botId}`, holder: options.holder, what: 'poller' },
    livenessWindowMs: (settings.pollTimeoutS + 20) * 1000,
    restartDelayMs,
    // `/restart` in a chat: every telegram worker restarts its loop (a standby's loop waits for the lease again).
    restartCommand: true,
    recordTraffic: true,
    ...(options.nanobotHome === undefined ? {} : { nanobotHome: options.nanobotHome }),
    setup: (kit) => {
      // On the fail-fast connection: the poller must not wait for Redis to note a message id.
      const seenIds = createSentMarkers(kit.producer);
      // On the worker's connection, which waits through a Redis outage instead of failing the send.
      const sendFence = createSendFence(kit.fence, log);
      const sender = createSender({
        api,
        markers: kit.markers,
        log,
        hold: kit.putBacks.hold,
        onSent: (message) => {
          void presence.answered(message);
          options.onMessageOut?.(message);
        },
        replyToMessage: settings.replyToMessage,
        fence: sendFence.fence,
        ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
        ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
        streams: { states: createStreamStates(kit.workerConnection), intervalMs: Math.round(settings.streamEditInterval * 1000) },
      });
      const channel = createTelegramChannel({
        ...(download === undefined ? {} : { attachMedia: createMediaAttacher({ download, maxBytes: maxMediaBytes }) }),
        ...(options.afterDownload === undefined ? {} : { afterDownload: options.afterDownload }),
        api,
        queues: kit.queues,
        producer: kit.producer,
        settings,
        log,
        presence,
        pairing: kit.pairing,
        // The poller's fence, on the fail-fast connection like its adds.
        fence: async () => kit.lease?.fence(),
        onPolled: () => kit.putBacks.channelBack(),
        onSeen: (chatId, messageId) => {
          options.onMessageIn?.();
          return seenIds.noteSeen(`telegram:${chatId}`, messageId);
        },
      });
      return {
        prepare: channel.prepare,
        run: channel.run,
        send: sendFence.guard(sender),
        // The new holder's replies end no typing started here.
        onStopSending: () => typing.stopAll(),
      };
    },
  });
}
