import type { FakeTelegram } from './fake-telegram.js';

export type TrafficReport = {
  sent: number;
  answered: number;
  missing: string[];
  duplicated: string[];
  unexpected: string[];
  reorderedChats: string[];
};

/** What the checker needs of a fake chat service: put a user message in, read what users got. */
export type ChatPort<Chat> = {
  inject(chat: Chat, text: string): void;
  /** Texts users of `chat` received, in order. */
  repliesTo(chat: Chat): string[];
  /** Every reply with the time it was delivered. */
  allReplies(): Array<{ text: string; at: number }>;
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<void>;
};

/**
 * Drives user traffic through a fake chat service with a unique token per message
 * and checks what users would see: every message answered exactly once, in the
 * order sent, per chat. Replies are the fake LLM's default `echo: <text>`.
 */
export function createChatTraffic<Chat>(port: ChatPort<Chat>, options: { chats: Chat[]; prefix: string; label?: (chat: Chat) => string }) {
  const label = options.label ?? String;
  const expected = new Map<Chat, string[]>();
  const sentAt = new Map<string, number>();
  let counter = 0;

  const send = (chat: Chat): string => {
    counter += 1;
    const text = `${options.prefix}-${label(chat)}-${counter}`;
    sentAt.set(`echo: ${text}`, Date.now());
    port.inject(chat, text);
    expected.set(chat, [...(expected.get(chat) ?? []), `echo: ${text}`]);
    return text;
  };
  const answers = (chat: Chat) => port.repliesTo(chat).filter((t) => t.startsWith(`echo: ${options.prefix}-`));
  const total = () => [...expected.values()].reduce((n, list) => n + list.length, 0);
  const answeredCount = () => options.chats.reduce((n, chat) => n + answers(chat).length, 0);

  return {
    send,
    /** One message to every chat. */
    round(): void {
      for (const chat of options.chats) send(chat);
    },
    /** Sends `count` rounds, `everyMs` apart (bounded in count and time). */
    async stream(count: number, everyMs: number, during?: (round: number) => Promise<void> | void): Promise<void> {
      for (let i = 0; i < count; i += 1) {
        for (const chat of options.chats) send(chat);
        await during?.(i);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    total,
    async waitAllAnswered(timeoutMs: number): Promise<void> {
      await port.waitFor(() => answeredCount() >= total(), timeoutMs).catch(() => {
        // The report says what is missing; the assertion is the caller's.
      });
    },
    /** When each reply arrived, relative to when its message was sent (ms). */
    latencies(): number[] {
      return port
        .allReplies()
        .filter((r) => sentAt.has(r.text))
        .map((r) => r.at - (sentAt.get(r.text) ?? r.at));
    },
    report(): TrafficReport {
      const report: TrafficReport = { sent: total(), answered: answeredCount(), missing: [], duplicated: [], unexpected: [], reorderedChats: [] };
      for (const chat of options.chats) {
        const want = expected.get(chat) ?? [];
        const seen = new Set<string>();
        for (const text of answers(chat)) {
          if (seen.has(text)) report.duplicated.push(text);
          seen.add(text);
          if (!want.includes(text)) report.unexpected.push(text);
        }
        for (const text of want) if (!seen.has(text)) report.missing.push(text);
        if ([...seen].join('\n') !== want.filter((t) => seen.has(t)).join('\n')) report.reorderedChats.push(String(chat));
      }
      return report;
    },
  };
}

/** Telegram traffic through the fake Bot API (chats are numeric chat ids). */
export function createTraffic(telegram: FakeTelegram, options: { chats: number[]; prefix: string }) {
  return createChatTraffic<number>(
    {
      inject: (chatId, text) => void telegram.injectMessage({ chatId, text }),
      repliesTo: (chatId) => telegram.sentTo(chatId).map((m) => m.visibleText),
      allReplies: () => telegram.sent().map((m) => ({ text: m.visibleText, at: m.at })),
      waitFor: (predicate, timeoutMs) => telegram.waitFor(predicate, timeoutMs),
    },
    options,
  );
}

export type Traffic = ReturnType<typeof createTraffic>;

/** What every fault scenario asserts: nothing lost, nothing twice, nothing out of order. */
export const cleanReport = (sent: number): TrafficReport => ({
  sent,
  answered: sent,
  missing: [],
  duplicated: [],
  unexpected: [],
  reorderedChats: [],
});
