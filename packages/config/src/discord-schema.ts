import { z } from 'zod';

/**
 * nanobot's `channels.discord`, plus `gatewayUrl` (nanobot's earlier key) and `apiBase`
 * (ours), so a self-hosted proxy or a test can stand in for Discord.
 * The default intents (37377) are nanobot's: GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT.
 */
export const discordSchema = z
  .object({
    enabled: z.boolean().default(false),
    token: z.string().default(''),
    allowFrom: z.array(z.string()).default([]),
    /** Channel ids the bot answers in (a thread counts by its own id); empty: all. */
    allowChannels: z.array(z.string()).default([]),
    intents: z.number().int().nonnegative().default(37377),
    groupPolicy: z.enum(['mention', 'open']).default('mention'),
    /**
     * Where the gateway is. Discord's own answer to `GET /gateway/bot` is used when this is left
     * out; given, it is used instead (a proxy, a test).
     */
    gatewayUrl: z.url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' }).optional(),
    apiBase: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://discord.com/api/v10'),
    /** nanobot's reactions and streaming: accepted, warned about at start, not acted on yet. */
    readReceiptEmoji: z.string().optional(),
    workingEmoji: z.string().optional(),
    workingEmojiDelay: z.number().optional(),
    streaming: z.boolean().default(false),
    proxy: z.string().optional(),
    proxyUsername: z.string().optional(),
    proxyPassword: z.string().optional(),
    /** Ours: attachments larger than this (MB) are not downloaded; the text says so. */
    maxMediaMb: z.number().positive().max(100).default(20),
  })
  .superRefine((discord, ctx) => {
    if (discord.enabled && discord.token.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'expected a bot token because channels.discord.enabled is true, received empty string',
      });
    }
  });
