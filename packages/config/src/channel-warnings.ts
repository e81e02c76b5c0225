import type { Config } from './schema.js';

/** Channel settings of nanobot's that this version accepts but does not act on yet. */
export function channelConfigWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.channels.telegram.streaming) {
    warnings.push('channels.telegram.streaming: streamed replies are not supported yet; each reply arrives whole when the turn ends');
  }
  const discord = config.channels.discord;
  if (discord.enabled) {
    if (discord.streaming) warnings.push('channels.discord.streaming: streamed replies are not supported yet; each reply arrives whole when the turn ends');
    if (discord.proxy !== undefined) warnings.push('channels.discord.proxy: a proxy for Discord is not supported yet; the bot connects directly');
    if (discord.readReceiptEmoji !== undefined || discord.workingEmoji !== undefined) {
      warnings.push('channels.discord.readReceiptEmoji/workingEmoji: reactions are not sent yet; the typing indicator shows the message arrived');
    }
  }
  if (config.channels.sendToolHints) warnings.push('channels.sendToolHints: tool hints are not sent yet; the typing indicator shows the turn is running');
  return warnings;
}
