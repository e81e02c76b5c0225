import type { Api } from 'grammy';
import type { OutboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { TypingIndicator } from './typing-indicator.js';

export type ArrivedMessage = { chatId: string; threadId?: string; sourceMessageId?: string };

/**
 * What the user sees of a turn besides its messages: "typing…" from the moment their message is
 * queued until the turn's answer is sent, and nanobot's `reactEmoji` on their message (e.g. 👀)
 * until then. Progress hints (`progress: true`) are sent in between and do not end typing. Both are
 * cosmetic: a failed call is logged at debug and changes nothing for the messages.
 */
export function createChatPresence(deps: { api: Api; log: Logger; typing: TypingIndicator; reactEmoji?: string | undefined }) {
  const { api, log, typing } = deps;
  const emoji = deps.reactEmoji === '' ? undefined : deps.reactEmoji;
  /** Reactions being set, so the removal cannot overtake the setting. */
  const setting = new Map<string, Promise<void>>();
  const keyOf = (chatId: string, messageId: string) => `${chatId}:${messageId}`;

  const setReaction = (chatId: string, messageId: string, reaction: Array<{ type: 'emoji'; emoji: string }>, what: string): Promise<void> =>
    api.setMessageReaction(chatId, Number(messageId), reaction as never).then(
      () => undefined,
      (err: unknown) => log.debug({ err, chatId }, `${what} failed`),
    );

  return {
    arrived(message: ArrivedMessage): void {
      typing.start(message.chatId, message.threadId);
      if (emoji === undefined || message.sourceMessageId === undefined) return;
      const key = keyOf(message.chatId, message.sourceMessageId);
      const done = setReaction(message.chatId, message.sourceMessageId, [{ type: 'emoji', emoji }], 'reaction').finally(() => {
        if (setting.get(key) === done) setting.delete(key);
      });
      setting.set(key, done);
    },
    /**
     * A message went out: the turn's answer ends typing; any message that answers one (the turn's
     * answer, the notice to a message that joined the running turn) takes the reaction off it.
     */
    async answered(message: OutboundMessage): Promise<void> {
      if (!(message.kind === 'reply' && message.progress === true)) typing.stop(message.chatId);
      const messageId = message.replyToMessageId;
      if (emoji === undefined || messageId === undefined) return;
      await setting.get(keyOf(message.chatId, messageId));
      await setReaction(message.chatId, messageId, [], 'removing the reaction');
    },
    stopAll: () => typing.stopAll(),
  };
}

export type ChatPresence = ReturnType<typeof createChatPresence>;
