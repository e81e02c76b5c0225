import { toSessionKey, type CommandName, type InboundMessage } from '@nanobot/core';

/** What the worker reads of a gateway MESSAGE_CREATE (or a REST message object). */
export type DiscordMessage = {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: { id: string; username?: string; bot?: boolean };
  content?: string;
  type?: number;
  mentions?: Array<{ id: string }>;
  attachments?: Array<{ id: string; filename: string; size: number; url: string }>;
};

export type InboundPolicy = { allowFrom: string[]; allowChannels: string[]; groupPolicy: 'mention' | 'open' };

export type MessageVerdict =
  | { kind: 'accept'; message: InboundMessage; attachments: NonNullable<DiscordMessage['attachments']> }
  | { kind: 'ignore'; reason: string };

const commands = new Set<CommandName>(['start', 'new', 'stop', 'help', 'status']);
/** Discord's message types a person writes: default and reply. */
const userTypes = new Set([0, 19]);

/** nanobot's allowFrom: `*` allows everyone, an empty list no one; entries are user ids or usernames. */
export function isAllowed(allowFrom: string[], author: DiscordMessage['author']): boolean {
  if (allowFrom.includes('*')) return true;
  return allowFrom.some((entry) => entry === author.id || (author.username !== undefined && entry === author.username));
}

/**
 * Turn order inside a session: the snowflake's time (ms since Discord's epoch) and increment,
 * without the worker bits, so it stays a safe integer (≈ 2^50 today).
 */
export function seqOf(id: string): number {
  const value = BigInt(id);
  return Number(value >> 22n) * 4096 + Number(value & 0xfffn);
}

function parseCommand(text: string): { command: CommandName; args: string } | undefined {
  const match = /^\/([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  const name = match?.[1]?.toLowerCase() as CommandName | undefined;
  if (name === undefined || !commands.has(name)) return undefined;
  return { command: name, args: (match?.[2] ?? '').trim() };
}

/**
 * One Discord message as an inbound message, or why not: the bot's own messages and system
 * messages are skipped; the author must be in allowFrom; in a guild channel (threads included)
 * the channel must be in allowChannels (when set) and, with groupPolicy `mention`, the bot
 * mentioned (the mention is taken out of the text). The job id is the message id.
 */
export function toInbound(message: DiscordMessage, botId: string, policy: InboundPolicy, receivedAt: number): MessageVerdict {
  if (message.author.id === botId) return { kind: 'ignore', reason: 'own message' };
  if (message.type !== undefined && !userTypes.has(message.type)) return { kind: 'ignore', reason: 'system message' };
  if (!isAllowed(policy.allowFrom, message.author)) return { kind: 'ignore', reason: 'sender not in allowFrom' };
  const inGuild = message.guild_id !== undefined;
  if (inGuild && policy.allowChannels.length > 0 && !policy.allowChannels.includes(message.channel_id)) {
    return { kind: 'ignore', reason: 'channel not in allowChannels' };
  }
  const mentionTag = new RegExp(`<@!?${botId}>`, 'g');
  const raw = message.content ?? '';
  const mentioned = (message.mentions ?? []).some((m) => m.id === botId) || mentionTag.test(raw);
  const text = raw.replace(mentionTag, '').trim();
  const command = parseCommand(text);
  if (inGuild && policy.groupPolicy === 'mention' && !mentioned) return { kind: 'ignore', reason: 'guild message without mention' };
  const base = {
    id: `dc-${message.id}`,
    channel: 'discord' as const,
    chatId: message.channel_id,
    senderId: message.author.id,
    sessionKey: toSessionKey('discord', message.channel_id),
    seq: seqOf(message.id),
    receivedAt,
    sourceMessageId: message.id,
  };
  const attachments = message.attachments ?? [];
  if (command !== undefined && attachments.length === 0) return { kind: 'accept', message: { ...base, kind: 'command', ...command }, attachments };
  return { kind: 'accept', message: { ...base, kind: 'message', text, media: [] }, attachments };
}
