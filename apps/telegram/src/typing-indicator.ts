import type { Api } from 'grammy';
import type { Logger } from '@nanobot/log';

/**
 * "typing…" in a chat from the moment its message is queued until the reply is
 * sent (Telegram shows an action for 5 s, so it is repeated every 4 s), with an
 * upper bound so a turn that never answers does not type forever.
 */
export function createTypingIndicator(deps: { api: Api; log: Logger; everyMs?: number; maxMs?: number }) {
  const everyMs = deps.everyMs ?? 4_000;
  const maxMs = deps.maxMs ?? 120_000;
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
        if (Date.now() > until) stop(chatId);
        else send(chatId, threadId);
      }, everyMs);
      timer.unref();
      active.set(chatId, { timer, until });
    },
    stop,
    stopAll(): void {
      for (const chatId of [...active.keys()]) stop(chatId);
    },
  };
}
