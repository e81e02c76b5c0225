import type { Config } from './schema.js';
import { emailConfigWarnings } from './email-warnings.js';
import { slackConfigWarnings } from './slack-warnings.js';

/**
 * Channel settings of nanobot's that this version accepts but does not act on yet: Telegram's
 * `streaming`, `sendProgress` and `sendToolHints` are acted on; Discord's are named here.
 */
export function channelConfigWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const discord = config.channels.discord;
  if (discord.enabled) {
    if (discord.streaming) warnings.push('channels.discord.streaming: streamed replies are not supported on Discord yet; each reply arrives whole when the turn ends');
    if (discord.proxy !== undefined) warnings.push('channels.discord.proxy: a proxy for Discord is not supported yet; the bot connects directly');
    if (discord.readReceiptEmoji !== undefined || discord.workingEmoji !== undefined) {
      warnings.push('channels.discord.readReceiptEmoji/workingEmoji: reactions are not sent yet; the typing indicator shows the message arrived');
    }
  }
  warnings.push(...slackConfigWarnings(config));
  warnings.push(...emailConfigWarnings(config));
  return warnings;
}
