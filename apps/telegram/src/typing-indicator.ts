import type { Api } from 'grammy';
import type { Logger } from '@nanobot/log';
import { createTypingIndicator as createKitTypingIndicator, type TypingIndicator } from '@nanobot/channel';

export type { TypingIndicator };

/**
 * A safety cap only: typing normally ends when the turn's answer is sent (or `/stop`'s, or the
 * outage notice's, or the error's). A turn may run for many model requests and commands; the
 * cap is there so a chat whose turn never answers does not type forever.
 */
export const typingMaxMs = 30 * 60_000;

/**
 * The kit's "typing…" indicator with Telegram's action (shown for 5 s, so repeated every 4 s),
 * in the message's topic when it has one. Hints sent during the turn do not end it (chat-presence.ts).
 */
export function createTypingIndicator(deps: { api: Api; log: Logger; everyMs?: number; maxMs?: number }): TypingIndicator {
  return createKitTypingIndicator({
    ping: (chatId, threadId) => deps.api.sendChatAction(chatId, 'typing', threadId === undefined ? {} : { message_thread_id: Number(threadId) }),
    log: deps.log,
    everyMs: deps.everyMs ?? 4_000,
    maxMs: deps.maxMs ?? typingMaxMs,
  });
}
