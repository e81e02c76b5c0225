import type { FakeWhatsappBridge } from './fake-whatsapp-types.js';
import { createChatTraffic } from './traffic.js';

/** WhatsApp traffic through the fake bridge (chats are JIDs or phone numbers), checked like Telegram's. */
export function createWhatsappTraffic(bridge: FakeWhatsappBridge, options: { chats: string[]; prefix: string }) {
  return createChatTraffic<string>(
    {
      inject: (chat, text) => void bridge.injectMessage({ chat, text }),
      repliesTo: (chat) => bridge.sentTo(chat).map((s) => s.text),
      allReplies: () => bridge.sent().map((s) => ({ text: s.text, at: s.at })),
      waitFor: (predicate, timeoutMs) => bridge.waitFor(predicate, timeoutMs),
    },
    { ...options, label: (chat) => chat.split('@')[0] ?? chat },
  );
}

export type WhatsappTraffic = ReturnType<typeof createWhatsappTraffic>;
