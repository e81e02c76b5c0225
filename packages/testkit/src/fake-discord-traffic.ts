import type { FakeDiscord, FakeDiscordUser } from './fake-discord-types.js';
import { createChatTraffic } from './traffic.js';

/** A conversation of the traffic checker: a channel and who writes in it. */
export type DiscordConversation = { channelId: string; author: FakeDiscordUser; mention?: boolean };

/** Discord traffic through the fake (each conversation a DM or a guild channel), checked like Telegram's. */
export function createDiscordTraffic(discord: FakeDiscord, options: { conversations: DiscordConversation[]; prefix: string }) {
  return createChatTraffic<DiscordConversation>(
    {
      inject: (c, text) => void discord.inject({ channelId: c.channelId, author: c.author, text, ...(c.mention === undefined ? {} : { mention: c.mention }) }),
      repliesTo: (c) => discord.sentTo(c.channelId).map((m) => m.content),
      allReplies: () => discord.sent().map((m) => ({ text: m.content, at: m.at })),
      waitFor: (predicate, timeoutMs) => discord.waitFor(predicate, timeoutMs),
    },
    { chats: options.conversations, prefix: options.prefix, label: (c) => c.channelId.slice(-6) },
  );
}

/** Adds `channels.discord` pointing at the fake to a cluster config. */
export function withFakeDiscord(config: Record<string, unknown>, discord: FakeDiscord, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const channels = (config.channels ?? {}) as Record<string, unknown>;
  return {
    ...config,
    channels: { ...channels, discord: { enabled: true, token: discord.token, apiBase: discord.apiBase, allowFrom: ['*'], ...extra } },
  };
}

export type DiscordTraffic = ReturnType<typeof createDiscordTraffic>;
