import { hostname } from 'node:os';
import type { Config } from '@nanobot/config';
import type { Logger } from '@nanobot/log';
import { channelRestartDelay, createChannelWorker, createTypingIndicator, type ChannelWorker } from '@nanobot/channel';
import { createDiscordChannel } from './discord-channel.js';
import { createRest } from './discord-rest.js';
import { createSender, type SendFaultPoint } from './send-outbound.js';

export type DiscordFaultPoint = SendFaultPoint | 'after-queue';

/**
 * Restart delays: the kit's, with its defaults: Discord or Redis being away is retried every
 * 2 s at most (service resumes within seconds of the outage ending), a lost lease waits as a
 * standby at once, a rate limit waits what it asks, and a refused token waits 5 min (a config
 * fix is needed).
 */
export const restartDelayMs = channelRestartDelay();

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

export type DiscordWorker = ChannelWorker;

/**
 * The Discord channel process on the channel kit (supervisor, gateway lease with hot standbys,
 * outbound worker with sent-markers and the put-back hold, status record). Discord's own parts
 * are the gateway session, the REST catch-up and the sender.
 */
export function createDiscordWorker(options: DiscordWorkerOptions): DiscordWorker {
  const { settings, log } = options;
  const rest = createRest(settings);
  // Discord shows "typing…" for about 10 s per call: renewed every 8 s until the reply is sent, at most 2 min.
  const typing = createTypingIndicator({ ping: (channelId) => rest.post(`/channels/${channelId}/typing`), log, everyMs: 8_000, maxMs: 120_000 });
  // The bot's application id is the token's first part (base64); the lease is per token either way.
  const account = Buffer.from(settings.token.split('.')[0] ?? '', 'base64').toString('utf8').replace(/\D/g, '') || 'bot';
  return createChannelWorker({
    name: 'discord', redisUrl: options.redisUrl, log, instance: options.instance, pid: options.pid, host: hostname(),
    lease: { key: `discord:${account}`, holder: options.holder, what: 'Discord gateway' },
    // Discord heartbeats every ~41 s; two missed beats and the run is restarted (a fresh session).
    livenessWindowMs: 100_000,
    restartDelayMs,
    setup: (kit) => {
      const channel = createDiscordChannel({
        rest, queues: kit.queues, producer: kit.producer, settings,
        policy: { allowFrom: settings.allowFrom, allowChannels: settings.allowChannels, groupPolicy: settings.groupPolicy },
        mediaDir: options.mediaDir, maxMediaBytes: settings.maxMediaMb * 1024 * 1024, log,
        fence: async () => kit.lease?.fence(),
        onConnected: () => kit.putBacks.channelBack(),
        onQueued: (message) => typing.start(message.chatId),
        ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
      });
      return {
        prepare: channel.prepare,
        run: channel.run,
        send: createSender({
          rest, markers: kit.markers, log, hold: kit.putBacks.hold,
          onSent: (message) => typing.stop(message.chatId),
          fence: kit.fence,
          ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
          ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
        }),
        // The new holder's replies end no typing started here.
        onStopSending: () => typing.stopAll(),
      };
    },
  });
}
