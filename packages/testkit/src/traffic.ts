import type { FakeTelegram } from './fake-telegram.js';

export type TrafficReport = {
  sent: number;
  answered: number;
  missing: string[];
  duplicated: string[];
  unexpected: string[];
  reorderedChats: string[];
};

/**
 * Drives user traffic through the fake Telegram with a unique token per message
 * and checks what users would see: every message answered exactly once, in the
 * order sent, per chat. Replies are the fake LLM's default `echo: <text>`.
 */
export function createTraffic(telegram: FakeTelegram, options: { chats: number[]; prefix: string }) {
  const expected = new Map<number, string[]>();
  const sentAt = new Map<string, number>();
  let counter = 0;

  const send = (chatId: number): string => {
    counter += 1;
    const text = `${options.prefix}-${chatId}-${counter}`;
    sentAt.set(`echo: ${text}`, Date.now());
    telegram.injectMessage({ chatId, text });
    expected.set(chatId, [...(expected.get(chatId) ?? []), `echo: ${text}`]);
    return text;
  };

  const answers = (chatId: number) =>
    telegram
      .sentTo(chatId)
      .map((m) => m.visibleText)
      .filter((t) => t.startsWith(`echo: ${options.prefix}-`));

  const total = () => [...expected.values()].reduce((n, list) => n + list.length, 0);
  const answeredCount = () => options.chats.reduce((n, chatId) => n + answers(chatId).length, 0);

  return {
    send,
    /** One message to every chat. */
    round(): void {
      for (const chatId of options.chats) send(chatId);
    },
    /** Sends `count` rounds, `everyMs` apart (bounded in count and time). */
    async stream(count: number, everyMs: number, during?: (round: number) => Promise<void> | void): Promise<void> {
      for (let i = 0; i < count; i += 1) {
        for (const chatId of options.chats) send(chatId);
        await during?.(i);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    total,
    async waitAllAnswered(timeoutMs: number): Promise<void> {
      await telegram.waitFor(() => answeredCount() >= total(), timeoutMs).catch(() => {
        // The report below says what is missing; the assertion is the caller's.
      });
    },
    /** When each reply arrived, relative to when its message was sent (ms). */
    latencies(): number[] {
      return telegram
        .sent()
        .filter((m) => sentAt.has(m.visibleText))
        .map((m) => m.at - (sentAt.get(m.visibleText) ?? m.at));
    },
    report(): TrafficReport {
      const report: TrafficReport = { sent: total(), answered: answeredCount(), missing: [], duplicated: [], unexpected: [], reorderedChats: [] };
      for (const chatId of options.chats) {
        const want = expected.get(chatId) ?? [];
        const got = answers(chatId);
        const seen = new Set<string>();
        for (const text of got) {
          if (seen.has(text)) report.duplicated.push(text);
          seen.add(text);
          if (!want.includes(text)) report.unexpected.push(text);
        }
        for (const text of want) if (!seen.has(text)) report.missing.push(text);
        const firstSeen = [...seen];
        const order = want.filter((t) => seen.has(t));
        if (firstSeen.join('\n') !== order.join('\n')) report.reorderedChats.push(String(chatId));
      }
      return report;
    },
  };
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
