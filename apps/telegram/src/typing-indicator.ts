import type { Api } from 'grammy';
import type { Logger } from '@nanobot/log';

/**
 * A safety cap only: typing normally ends when the turn's answer is sent (or `/stop`'s, or the
 * outage notice's, or the error's). A turn may run for many model requests and commands; the
 * cap is there so a chat whose turn never answers does not type forever.
 */
export const typingMaxMs = 30 * 60_000;

/**
 * "typing…" in a chat from the moment its message is queued until the turn's answer is sent
 * (Telegram shows an action for 5 s, so it is repeated every 4 s). Hints sent during the turn
 * do not end it (chat-presence.ts).
 */
export function createTypingIndicator(deps: { api: Api; log: Logger; everyMs?: number; maxMs?: number }) {
  const everyMs = deps.everyMs ?? 4_000;
  const maxMs = deps.maxMs ?? typingMaxMs;
  const active = new Map<string, { timer: NodeJS.Timeout; until: number }>();

  const send = (chatId: string, threadId: string | undefined) => {
    const extra = threadId === undefined ? {} : { message_thread_id: Number(threadId) };
    deps.api.sendChatAction(chatId, 'typing', extra).catch((err: unknown) => {
      // Cosmetic: a lost typing action changes nothing for the reply itself.
      deps.log.debug({ err, chatId }, 'typing action failed');
    });
  };

  const stop = (chatId: string) => {
    const entry = active.get(chatId);
    if (entry === undefined) return;
    clearInterval(entry.timer);
    active.delete(chatId);
  };

  return {
    start(chatId: string, threadId?: string): void {
      stop(chatId);
      send(chatId, threadId);
      const until = Date.now() + maxMs;
      const timer = setInterval(() => {
        if (Date.now() > until) {
          deps.log.info({ chatId, maxMs }, 'typing indicator reached its cap without an answer');
          stop(chatId);
        } else send(chatId, threadId);
      }, everyMs);
      timer.unref();
      active.set(chatId, { timer, until });
    },
    stop,
    isTyping: (chatId: string) => active.has(chatId),
    stopAll(): void {
      for (const chatId of [...active.keys()]) stop(chatId);
    },
  };
}

export type TypingIndicator = ReturnType<typeof createTypingIndicator>;
