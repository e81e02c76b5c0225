import type { FakeWhatsappBridge } from './fake-whatsapp-types.js';
import type { TrafficReport } from './traffic.js';

/**
 * User traffic through the fake WhatsApp bridge, checked as users would see it: every message
 * answered exactly once (`echo: <text>` from the fake LLM), in order per chat.
 */
export function createWhatsappTraffic(bridge: FakeWhatsappBridge, options: { chats: string[]; prefix: string }) {
  const expected = new Map<string, string[]>();
  const sentAt = new Map<string, number>();
  let counter = 0;

  const send = (chat: string): string => {
    counter += 1;
    const text = `${options.prefix}-${chat.split('@')[0] ?? chat}-${counter}`;
    sentAt.set(`echo: ${text}`, Date.now());
    bridge.injectMessage({ chat, text });
    expected.set(chat, [...(expected.get(chat) ?? []), `echo: ${text}`]);
    return text;
  };
  const answers = (chat: string) => bridge.sentTo(chat).map((s) => s.text).filter((t) => t.startsWith(`echo: ${options.prefix}-`));
  const total = () => [...expected.values()].reduce((n, list) => n + list.length, 0);
  const answeredCount = () => options.chats.reduce((n, chat) => n + answers(chat).length, 0);

  return {
    send,
    round: () => options.chats.forEach((chat) => send(chat)),
    async stream(count: number, everyMs: number, during?: (round: number) => Promise<void> | void): Promise<void> {
      for (let i = 0; i < count; i += 1) {
        for (const chat of options.chats) send(chat);
        await during?.(i);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    total,
    async waitAllAnswered(timeoutMs: number): Promise<void> {
      await bridge.waitFor(() => answeredCount() >= total(), timeoutMs).catch(() => {
        // The report says what is missing; the assertion is the caller's.
      });
    },
    /** When each reply reached WhatsApp, relative to when its message was injected (ms). */
    latencies: (): number[] => bridge.sent().filter((s) => sentAt.has(s.text)).map((s) => s.at - (sentAt.get(s.text) ?? s.at)),
    report(): TrafficReport {
      const report: TrafficReport = { sent: total(), answered: answeredCount(), missing: [], duplicated: [], unexpected: [], reorderedChats: [] };
      for (const chat of options.chats) {
        const want = expected.get(chat) ?? [];
        const got = answers(chat);
        const seen = new Set<string>();
        for (const text of got) {
          if (seen.has(text)) report.duplicated.push(text);
          seen.add(text);
          if (!want.includes(text)) report.unexpected.push(text);
        }
        for (const text of want) if (!seen.has(text)) report.missing.push(text);
        if ([...seen].join('\n') !== want.filter((t) => seen.has(t)).join('\n')) report.reorderedChats.push(chat);
      }
      return report;
    },
  };
}

export type WhatsappTraffic = ReturnType<typeof createWhatsappTraffic>;
