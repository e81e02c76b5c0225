/**
 * The soak's channels seen the same way: send a message with a unique token to a
 * chat, read what users received, check it (testkit's traffic checkers), and say
 * which log needle finds a message's job in the pm2 logs.
 */
import { createTraffic, createWhatsappTraffic } from '@nanobot/testkit';

const firstTelegramChat = 60_001;
const firstWhatsappPhone = 4_915_170_000_001;
const toJid = (chat) => (chat.includes('@') ? chat : `${chat.replace(/^\+/, '')}@s.whatsapp.net`);

/** Telegram chats 60001…, traffic through the fake Telegram; the job id is `<botId>-<update_id>`. */
export function telegramChannel(telegram, count) {
  const chats = Array.from({ length: count }, (_, i) => firstTelegramChat + i);
  let lastUpdateId = null;
  // createTraffic only calls injectMessage, sentTo and waitFor: a view that remembers the update id.
  const view = Object.create(telegram);
  view.injectMessage = (message) => {
    const update = telegram.injectMessage(message);
    lastUpdateId = update.update_id;
    return update;
  };
  const traffic = createTraffic(view, { chats, prefix: 'soak' });
  const soakChats = new Set(chats.map(String));
  return {
    name: 'telegram',
    chats: chats.map(String),
    traffic,
    send: (chat) => ({ text: traffic.send(Number(chat)), ref: lastUpdateId }),
    replies: () => telegram.sent().filter((m) => soakChats.has(String(m.chatId))).map((m) => ({ chat: String(m.chatId), text: m.visibleText, at: m.at })),
    logNeedle: (ref) => `${telegram.botId}-${ref}`,
    async warmUp(timeoutMs) {
      telegram.injectMessage({ chatId: firstTelegramChat - 1, text: 'warm-up' });
      await telegram.waitFor(() => telegram.sentTo(firstTelegramChat - 1).length > 0, timeoutMs);
    },
    extra: () => ({}),
  };
}

/** WhatsApp chats 4915170000001@s.whatsapp.net…, traffic through the fake bridge; the job id is `wa-<chat>/<message id>`. */
export function whatsappChannel(bridge, count) {
  const chats = Array.from({ length: count }, (_, i) => `${firstWhatsappPhone + i}@s.whatsapp.net`);
  let lastDeliveryId = null;
  // createWhatsappTraffic only calls injectMessage, sentTo, sent and waitFor: a view that remembers the delivery id.
  const view = Object.create(bridge);
  view.injectMessage = (message) => {
    lastDeliveryId = bridge.injectMessage(message);
    return lastDeliveryId;
  };
  const traffic = createWhatsappTraffic(view, { chats, prefix: 'soak' });
  const soakChats = new Set(chats);
  const warmUpChat = `${firstWhatsappPhone - 1}@s.whatsapp.net`;
  return {
    name: 'whatsapp',
    chats,
    traffic,
    send: (chat) => ({ text: traffic.send(chat), ref: lastDeliveryId }),
    replies: () => bridge.sent().filter((s) => soakChats.has(toJid(s.to))).map((s) => ({ chat: toJid(s.to), text: s.text, at: s.at })),
    logNeedle: (ref) => ref,
    async warmUp(timeoutMs) {
      await bridge.waitFor(() => bridge.openConnections() > 0, timeoutMs);
      bridge.injectMessage({ chat: warmUpChat, text: 'warm-up' });
      await bridge.waitFor(() => bridge.sentTo(warmUpChat).length > 0, timeoutMs);
    },
    // Send frames the bridge received more than once (resent after a restart) and dropped as duplicates.
    extra: () => ({ resentSends: bridge.sends().length - bridge.sent().length, unackedAtEnd: bridge.unacked().length }),
  };
}
