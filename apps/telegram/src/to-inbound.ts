import type { Message, Update } from 'grammy/types';
import { toSessionKey, type CommandName, type InboundMessage } from '@nanobot/core';

export type BotIdentity = { id: number; username: string };
export type InboundPolicy = { allowFrom: string[]; groupPolicy: 'mention' | 'open' };

export type UpdateVerdict =
  | { kind: 'accept'; message: InboundMessage }
  | { kind: 'ignore'; reason: string }
  /** A private message from a sender not in allowFrom: pairing decides (pairing-gate.ts). */
  | { kind: 'stranger'; id: string; chatId: string; userId: string; sender: string }
  | { kind: 'malformed'; reason: string };

/** Why a group message is not for the bot under the `mention` policy (the rest of an album may still be). */
export const unmentionedReason = 'group message without mention';

const commands: Record<string, CommandName> = {
  start: 'start',
  new: 'new',
  stop: 'stop',
  help: 'help',
  status: 'status',
  model: 'model',
  history: 'history',
  restart: 'restart',
};

/**
 * nanobot's allowFrom, deny-by-default: an empty list denies everyone, `*` allows
 * everyone, and a sender matches by id, by username, or by either part of an
 * `id|username` entry.
 */
export function isAllowed(allowFrom: string[], userId: string, username: string | undefined): boolean {
  if (allowFrom.includes('*')) return true;
  const mine = new Set([userId, ...(username === undefined ? [] : [username, `@${username}`])]);
  return allowFrom.some((entry) => entry.split('|').some((part) => part !== '' && mine.has(part.trim())));
}

function mentionsBot(message: Message, bot: BotIdentity): boolean {
  if (message.reply_to_message?.from?.id === bot.id) return true;
  const text = message.text ?? message.caption ?? '';
  return text.toLowerCase().includes(`@${bot.username.toLowerCase()}`);
}

/** `/cmd@thisbot args` → command; a command addressed to another bot is not ours. */
function parseCommand(text: string, bot: BotIdentity): { command: CommandName; args: string } | 'other-bot' | null {
  const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (match === null) return null;
  const [, name = '', target, args = ''] = match;
  if (target !== undefined && target.toLowerCase() !== bot.username.toLowerCase()) return 'other-bot';
  const command = commands[name.toLowerCase()];
  return command === undefined ? null : { command, args: args.trim() };
}

/** The words of a message; its files are downloaded by the poller (media/attach-media.ts) and carried as `media`. */
function textOf(message: Message): string {
  return message.text ?? message.caption ?? '';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isOptional = (value: unknown, type: 'string' | 'number'): boolean => value === undefined || typeof value === type;

/**
 * What the rest of this file reads from a message, checked before it is read: the Bot API
 * promises these types (https://core.telegram.org/bots/api#message), but an update that breaks
 * the promise must become a parked `malformed` verdict, not an exception in the poll loop.
 */
function shapeProblem(message: unknown): string | null {
  if (!isRecord(message)) return 'message is not an object';
  if (!isRecord(message.chat) || typeof message.chat.id !== 'number' || typeof message.message_id !== 'number') {
    return 'message without chat id or message id';
  }
  if (!isOptional(message.text, 'string')) return 'message text is not a string';
  if (!isOptional(message.caption, 'string')) return 'message caption is not a string';
  const { from, document } = message;
  if (from !== undefined && (!isRecord(from) || typeof from.id !== 'number' || !isOptional(from.username, 'string'))) {
    return 'message sender is not a user';
  }
  if (document !== undefined && (!isRecord(document) || !isOptional(document.file_name, 'string'))) return 'message document is not a document';
  if (message.reply_to_message !== undefined && !isRecord(message.reply_to_message)) return 'replied-to message is not an object';
  if (message.is_topic_message === true && typeof message.message_thread_id !== 'number') return 'topic message without thread id';
  return null;
}

/** Turns one Telegram update into an inbound message, or says why it is not one. */
export function toInbound(update: Update, bot: BotIdentity, policy: InboundPolicy, receivedAt: number): UpdateVerdict {
  if (update.message === undefined) return { kind: 'ignore', reason: 'not a message update' };
  const problem = shapeProblem(update.message);
  if (problem !== null) return { kind: 'malformed', reason: problem };
  const message = update.message;
  const from = message.from;
  if (from === undefined) return { kind: 'ignore', reason: 'message without sender' };
  if (from.is_bot) return { kind: 'ignore', reason: 'sent by a bot' };
  if (!isAllowed(policy.allowFrom, String(from.id), from.username)) {
    // nanobot's pairing is for DMs only; strangers in groups are ignored.
    if (message.chat.type !== 'private') return { kind: 'ignore', reason: 'sender not in allowFrom' };
    const sender = from.username === undefined ? String(from.id) : `${from.id}|${from.username}`;
    return { kind: 'stranger', id: `tg-${bot.id}-${update.update_id}`, chatId: String(message.chat.id), userId: String(from.id), sender };
  }
  const isGroup = message.chat.type === 'group' || message.chat.type === 'supergroup';
  const text = textOf(message);
  const command = parseCommand(text, bot);
  if (command === 'other-bot') return { kind: 'ignore', reason: 'command for another bot' };
  if (isGroup && command === null && policy.groupPolicy === 'mention' && !mentionsBot(message, bot)) {
    return { kind: 'ignore', reason: unmentionedReason };
  }
  const chatId = String(message.chat.id);
  const threadId = message.is_topic_message && message.message_thread_id !== undefined ? String(message.message_thread_id) : undefined;
  const base = {
    id: `tg-${bot.id}-${update.update_id}`,
    channel: 'telegram' as const,
    chatId,
    senderId: from.username === undefined ? String(from.id) : `${from.id}|${from.username}`,
    sessionKey: toSessionKey('telegram', chatId, threadId),
    // update_id grows with every update of a bot, so it orders turns within a session.
    seq: update.update_id,
    receivedAt,
    threadId,
    sourceMessageId: String(message.message_id),
  };
  if (command !== null) return { kind: 'accept', message: { ...base, kind: 'command', command: command.command, args: command.args } };
  return { kind: 'accept', message: { ...base, kind: 'message', text, media: [] } };
}
