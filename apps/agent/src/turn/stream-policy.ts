import type { InboundMessage } from '@nanobot/core';

export type StreamSettings = {
  /** channels.telegram.streaming and streamEditInterval (seconds). */
  telegram: { enabled: boolean; streaming: boolean; streamEditInterval: number };
  /** The terminal chat of `nanobot agent` prints the answer as it comes (ms between prints). */
  cliIntervalMs?: number;
};

/**
 * Whether the reply to a message streams, and at which interval: Telegram private chats when
 * `channels.telegram.streaming` is on (a group sees the whole reply once, not a message that keeps
 * changing under everyone's eyes), and the terminal chat. WhatsApp cannot edit a message: it gets the
 * whole reply; so do scheduled turns, whose answer is forwarded elsewhere.
 */
export function streamIntervalFor(message: InboundMessage, settings: StreamSettings): number | undefined {
  switch (message.channel) {
    case 'telegram':
      // Telegram's private chats have positive ids; groups and channels negative ones.
      return settings.telegram.enabled && settings.telegram.streaming && !message.chatId.startsWith('-')
        ? Math.round(settings.telegram.streamEditInterval * 1000)
        : undefined;
    case 'cli':
      return settings.cliIntervalMs;
    case 'whatsapp':
    // Discord can edit, but its previews are not built yet: its replies come whole.
    case 'discord':
    // Slack's replies come whole.
    case 'slack':
    // A mail cannot be edited: its replies come whole.
    case 'email':
    case 'system':
    // `nanobot serve` writes a `stream: true` request's events from the whole reply.
    case 'api':
      return undefined;
    default: {
      const never: never = message.channel;
      return never;
    }
  }
}
