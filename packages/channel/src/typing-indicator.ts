import type { Logger } from '@nanobot/log';

export type TypingIndicatorOptions = {
  /** Shows "typing…" once in a chat (Discord's POST /typing, Telegram's sendChatAction). */
  ping: (chatId: string, threadId: string | undefined) => Promise<unknown>;
  log: Logger;
  /** How often the action is repeated: a little less than the service shows it for. */
  everyMs: number;
  /** A safety cap, so a chat whose turn never answers does not type forever. */
  maxMs: number;
};

/**
 * "typing…" in a chat from the moment its message is queued until its reply is out: the
 * service shows the action for a few seconds, so it is repeated every `everyMs` until `stop`
 * or the cap. Cosmetic: a failed ping is logged at debug and changes nothing for the reply.
 */
export function createTypingIndicator(options: TypingIndicatorOptions) {
  const { log, everyMs, maxMs } = options;
  const active = new Map<string, { timer: NodeJS.Timeout; until: number }>();

  const ping = (chatId: string, threadId: string | undefined) => {
    options.ping(chatId, threadId).catch((err: unknown) => log.debug({ err, chatId }, 'typing action failed'));
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
      ping(chatId, threadId);
      const until = Date.now() + maxMs;
      const timer = setInterval(() => {
        if (Date.now() > until) {
          log.info({ chatId, maxMs }, 'typing indicator reached its cap without an answer');
          stop(chatId);
        } else ping(chatId, threadId);
      }, everyMs);
      timer.unref();
      active.set(chatId, { timer, until });
    },
    stop,
    isTyping: (chatId: string) => active.has(chatId),
    /** The lease is gone or the process stops: the new holder's replies end no typing started here. */
    stopAll(): void {
      for (const chatId of [...active.keys()]) stop(chatId);
    },
  };
}

export type TypingIndicator = ReturnType<typeof createTypingIndicator>;
