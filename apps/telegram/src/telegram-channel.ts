import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { Redis } from 'ioredis';
import { AppError, toJobId } from '@nanobot/core';
import type { Config } from '@nanobot/config';
import { inboundJobOptions, jobNames, type PairingGate, type Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import { createPoller, type PollerDeps } from './poll-updates.js';
import { toGrammySignal, toTelegramError } from './telegram-errors.js';
import type { BotIdentity } from './to-inbound.js';
import type { ChatPresence } from './chat-presence.js';

export type TelegramChannelDeps = {
  api: Api;
  queues: Queues;
  producer: Redis;
  settings: Config['channels']['telegram'];
  log: Logger;
  /** Typing and the reaction of a queued message (chat-presence.ts). */
  presence: Pick<ChatPresence, 'arrived'>;
  /**
   * Throws unless this process still holds the bot's poller lease (one poller per bot token in
   * the whole cluster, F4; the kit waits for it as a hot standby and starts the sender).
   */
  fence: () => Promise<void>;
  /** Telegram answered a poll: put-back replies need not wait out their hold. */
  onPolled?: () => void;
  /** A message arrived in a chat: its id is that chat's newest known one (for delivery probes). */
  onSeen?: (chatId: string, messageId: number) => Promise<void>;
  /** Downloads a message's files before it is queued (media/attach-media.ts). */
  attachMedia?: PollerDeps['attachMedia'];
  /** Fault tests: after a message's files are downloaded, before it is queued. */
  afterDownload?: () => void | Promise<void>;
  /** How long setMyCommands may take before polling starts without the menu (default 10 s). */
  menuTimeoutMs?: number;
  /** DM pairing for senders outside allowFrom. */
  pairing?: PairingGate;
};

/** nanobot's bot menu: every chat command the agent answers (packages/core `commandNames`). */
export const menu = [
  { command: 'start', description: 'Start the bot' },
  { command: 'new', description: 'Start a new conversation' },
  { command: 'stop', description: 'Stop the current task' },
  { command: 'status', description: 'Model, uptime and session size' },
  { command: 'model', description: 'Show or switch the model preset' },
  { command: 'history', description: 'Show the last messages of this chat' },
  { command: 'restart', description: 'Restart the Telegram connection' },
  { command: 'help', description: 'Show available commands' },
];

/**
 * One connection of the Telegram channel: who the bot is (getMe), its command
 * menu, then long polling until stopped or broken. Every call is inside the
 * supervised run, so Telegram being down at start-up is just another restart.
 */
export function createTelegramChannel(deps: TelegramChannelDeps) {
  const { api, settings, log } = deps;
  let identity: BotIdentity | undefined;
  let menuSet = false;

  async function whoAmI(signal: AbortSignal): Promise<BotIdentity> {
    if (identity !== undefined) return identity;
    try {
      const me = await api.getMe(toGrammySignal(signal));
      identity = { id: me.id, username: me.username };
      log.info({ botId: me.id, username: me.username }, 'telegram bot identified');
      return identity;
    } catch (err) {
      throw toTelegramError(err, 'getMe', settings.pollTimeoutS);
    }
  }

  /** Bounded and cancellable: a hanging setMyCommands must not keep the channel from polling. */
  async function setMenu(signal: AbortSignal): Promise<void> {
    if (menuSet) return;
    const deadline = AbortSignal.timeout(deps.menuTimeoutMs ?? 10_000);
    try {
      await api.setMyCommands(menu, undefined, toGrammySignal(AbortSignal.any([signal, deadline])));
      menuSet = true;
    } catch (err) {
      // The menu is a convenience; the next (re)start tries again.
      log.warn({ err: toTelegramError(err, 'setMyCommands', settings.pollTimeoutS) }, 'could not set the command menu');
    }
  }

  const park = (bot: BotIdentity) => async (update: Update, reason: string) => {
    const jobId = toJobId(`tg-${bot.id}-${update.update_id}`);
    try {
      // The agent parks anything that is not a valid inbound message in the failed set.
      await deps.queues.inbound.add(jobNames.malformedUpdate, { malformed: true, reason, update }, inboundJobOptions(jobId));
    } catch (cause) {
      throw new AppError('BUS_UNAVAILABLE', `could not park update ${update.update_id}`, { cause });
    }
  };

  return {
    /** Before the lease: who the bot is (getMe proves the token to a standby too). */
    async prepare(ctx: ChannelContext): Promise<void> {
      const bot = await whoAmI(ctx.signal);
      ctx.reportState({ bot: bot.username });
    },
    /**
     * One run, as the lease holder (`ctx.signal` is also aborted when the lease is lost). The
     * lease outlives it: a run that fails (409, 5xx, a deaf transport) stays the holder through
     * the restart delay, and the sender keeps sending meanwhile: a standby would meet the same
     * Telegram answer. Only a lost lease ends the tenure; the worker releases it on stop.
     */
    async run(ctx: ChannelContext): Promise<void> {
      const bot = await whoAmI(ctx.signal);
      await setMenu(ctx.signal);
      await pollWhileLeased(ctx, bot);
    },
  };

  async function pollWhileLeased(ctx: ChannelContext, bot: BotIdentity): Promise<void> {
    const poll = createPoller({
      api,
      queues: deps.queues,
      bot,
      policy: { allowFrom: settings.allowFrom, groupPolicy: settings.groupPolicy },
      pollTimeoutS: settings.pollTimeoutS,
      log,
      onQueued: (message) => {
        // Cosmetic, and only as the holder: a holder resumed after losing the lease must not
        // show "typing…" in a chat whose reply the new holder sends.
        deps.fence().then(
          () => {
            deps.presence.arrived(message);
          },
          (err: unknown) => log.debug({ err, chatId: message.chatId }, 'not the lease holder: no typing or reaction'),
        );
      },
      park: park(bot),
      // Each getUpdates, the confirming one on stop included, only while the lease is ours.
      fence: deps.fence,
      ...(deps.onPolled === undefined ? {} : { onPolled: deps.onPolled }),
      ...(deps.onSeen === undefined ? {} : { onSeen: deps.onSeen }),
      ...(deps.pairing === undefined ? {} : { pairing: deps.pairing }),
      ...(deps.attachMedia === undefined ? {} : { attachMedia: deps.attachMedia }),
      ...(deps.afterDownload === undefined ? {} : { afterDownload: deps.afterDownload }),
    });
    await poll(ctx);
  }
}
