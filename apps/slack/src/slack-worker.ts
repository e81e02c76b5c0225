import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { AppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { channelRestartDelay, createChannelWorker, type ChannelWorker } from '@nanobot/channel';
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

export type SlackWorker = ChannelWorker;

/**
 * A refused token needs a config fix (30 s); Slack asking for a reconnect or a dropped link is
 * back within a second or two (250 ms doubling to 4 s); a lost lease waits as a standby at once;
 * anything else backs off as usual. Slack's own rate limits are waited out by the sender.
 */
export const restartDelayMs = channelRestartDelay({ fatalMs: 30_000, outageMaxMs: 4_000, honourRetryAfter: false });

/** The Slack worker on the channel kit: Socket Mode intake, the catch-up and the sender are Slack's own. */
export function createSlackWorker(options: SlackWorkerOptions): SlackWorker {
  const { log } = options;
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
  const pingWindowMs = options.serverPingTimeoutMs ?? 30_000;
  return createChannelWorker({
    name: 'slack', redisUrl: options.redisUrl, log, instance: options.instance, pid: options.pid, host: hostname(),
    // One Socket Mode connection and one sender per Slack app: more instances are hot standbys.
    lease: { key: `slack:${createHash('sha256').update(options.appToken).digest('hex').slice(0, 16)}`, holder: options.holder, what: 'slack connection' },
    livenessWindowMs: pingWindowMs * 2,
    restartDelayMs,
    setup: (kit) => ({
      run: createSlackChannel({
        appToken: options.appToken, apiBase: options.apiBase, queues: kit.queues, policy: options.policy, log, botUserId, web,
        conversations: createConversationLog(kit.producer),
        ...(options.mediaDir === undefined ? {} : {
          downloadFiles: createFileDownloader({ botToken: options.botToken, dir: options.mediaDir, hosts: slackFileHosts(options.apiBase), maxBytes: 20 * 1024 * 1024, log }),
        }),
        onUp: () => kit.putBacks.channelBack(),
        ...(options.serverPingTimeoutMs === undefined ? {} : { serverPingTimeoutMs: options.serverPingTimeoutMs }),
      }).run,
      send: createSender({
        web, botUserId, markers: kit.markers, log, hold: kit.putBacks.hold,
        // On the producer connection, as before: a fence fails fast while Redis is away.
        fence: async () => kit.lease?.fence(),
        onSent: () => kit.putBacks.channelBack(),
        ...(options.putBackDelayMs === undefined ? {} : { putBackDelayMs: options.putBackDelayMs }),
        ...(options.faultPoint === undefined ? {} : { faultPoint: options.faultPoint }),
      }),
    }),
  });
}
