import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { Redis } from 'ioredis';
import { AppError, toJobId } from '@nanobot/core';
import type { Config } from '@nanobot/config';
import { inboundJobOptions, type Queues } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { ChannelContext } from '@nanobot/supervisor';
import { createPoller } from './poll-updates.js';
import { toGrammySignal, toTelegramError } from './telegram-errors.js';
import type { BotIdentity } from './to-inbound.js';
import type { createTypingIndicator } from './typing-indicator.js';

export type TelegramChannelDeps = {
  api: Api;
  queues: Queues;
  producer: Redis;
  settings: Config['channels']['telegram'];
  log: Logger;
  typing: ReturnType<typeof createTypingIndicator>;
};

/** nanobot's bot menu. */
const menu = [
  { command: 'start', description: 'Start the bot' },
  { command: 'new', description: 'Start a new conversation' },
  { command: 'stop', description: 'Stop the current task' },
  { command: 'status', description: 'Model, uptime and session size' },
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

  async function setMenu(): Promise<void> {
    if (menuSet) return;
    try {
      await api.setMyCommands(menu);
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
      await deps.queues.inbound.add('malformed-update', { malformed: true, reason, update }, inboundJobOptions(jobId));
    } catch (cause) {
      throw new AppError('BUS_UNAVAILABLE', `could not park update ${update.update_id}`, { cause });
    }
  };

  return {
    async run(ctx: ChannelContext): Promise<void> {
      const bot = await whoAmI(ctx.signal);
      ctx.reportState({ bot: bot.username });
      await setMenu();
      const poll = createPoller({
        api,
        queues: deps.queues,
        bot,
        policy: { allowFrom: settings.allowFrom, groupPolicy: settings.groupPolicy },
        pollTimeoutS: settings.pollTimeoutS,
        log,
        onQueued: (message) => deps.typing.start(message.chatId, message.threadId),
        park: park(bot),
      });
      await poll(ctx);
    },
  };
}
