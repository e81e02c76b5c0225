/**
 * The soak's channels seen the same way: send a message with a unique token to a
 * chat, read what users received, check it (testkit's traffic checkers), and say
 * which log needle finds a message's job in the pm2 logs.
 */
import { createDiscordTraffic, createSlackTraffic, createTraffic, createWhatsappTraffic } from '@nanobot/testkit';

const firstTelegramChat = 60_001;
const firstWhatsappPhone = 4_915_170_000_001;
const toJid = (chat) => (chat.includes('@') ? chat : `${chat.replace(/^\+/, '')}@s.whatsapp.net`);

/**
 * The fake seen through a view whose `method` also remembers what `refOf(input, result)` makes of
 * each injected message: the traffic checkers only inject, so the soak learns the job's source id.
 */
function remembering(fake, method, refOf) {
  const view = Object.create(fake);
  const seen = { last: null };
  view[method] = (input) => {
    const result = fake[method](input);
    seen.last = refOf(input, result);
    return result;
  };
  return { view, lastRef: () => seen.last };
}

/** Telegram chats 60001…, traffic through the fake Telegram; the job id is `<botId>-<update_id>`. */
export function telegramChannel(telegram, count) {
  const chats = Array.from({ length: count }, (_, i) => firstTelegramChat + i);
  const { view, lastRef } = remembering(telegram, 'injectMessage', (_, update) => update.update_id);
  const traffic = createTraffic(view, { chats, prefix: 'soak' });
  const soakChats = new Set(chats.map(String));
  return {
    name: 'telegram',
    chats: chats.map(String),
    traffic,
    send: (chat) => ({ text: traffic.send(Number(chat)), ref: lastRef() }),
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
  const { view, lastRef } = remembering(bridge, 'injectMessage', (_, deliveryId) => deliveryId);
  const traffic = createWhatsappTraffic(view, { chats, prefix: 'soak' });
  const soakChats = new Set(chats);
  const warmUpChat = `${firstWhatsappPhone - 1}@s.whatsapp.net`;
  return {
    name: 'whatsapp',
    chats,
    traffic,
    send: (chat) => ({ text: traffic.send(chat), ref: lastRef() }),
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

/**
 * Discord DMs with users 910000000000000001…, traffic through the fake gateway and REST API; the
 * job id is `dc-<message id>`.
 */
export function discordChannel(discord, count) {
  const conversations = Array.from({ length: count }, (_, i) => {
    const author = { id: String(910_000_000_000_000_001n + BigInt(i)), username: `soak${i}` };
    return { channelId: discord.dm(author), author };
  });
  const byChat = new Map(conversations.map((c) => [c.channelId, c]));
  const { view, lastRef } = remembering(discord, 'inject', (_, message) => message.id);
  const traffic = createDiscordTraffic(view, { conversations, prefix: 'soak' });
  const warmUp = { channelId: discord.dm({ id: '910000000000000000', username: 'warm-up' }), author: { id: '910000000000000000', username: 'warm-up' } };
  return {
    name: 'discord',
    chats: conversations.map((c) => c.channelId),
    traffic,
    send: (chat) => ({ text: traffic.send(byChat.get(chat)), ref: lastRef() }),
    replies: () => discord.sent().filter((m) => byChat.has(m.channel_id)).map((m) => ({ chat: m.channel_id, text: m.content, at: m.at })),
    logNeedle: (ref) => `dc-${ref}`,
    async warmUp(timeoutMs) {
      await discord.waitFor(() => discord.openConnections() > 0, timeoutMs);
      discord.inject({ ...warmUp, text: 'warm-up' });
      await discord.waitFor(() => discord.sentTo(warmUp.channelId).length > 0, timeoutMs);
    },
    extra: () => ({}),
  };
}

/** Slack DMs D50000…, traffic through the fake Socket Mode server and Web API; the job id is `slack-<channel>-<ts>`. */
export function slackChannel(slack, count) {
  const conversations = Array.from({ length: count }, (_, i) => ({ channel: `D5${String(i).padStart(4, '0')}`, user: `U5${String(i).padStart(4, '0')}` }));
  const byChat = new Map(conversations.map((c) => [c.channel, c]));
  const { view, lastRef } = remembering(slack, 'injectMessage', (input, ts) => `${input.channel}-${ts}`);
  const traffic = createSlackTraffic(view, { conversations, prefix: 'soak' });
  return {
    name: 'slack',
    chats: conversations.map((c) => c.channel),
    traffic,
    send: (chat) => ({ text: traffic.send(byChat.get(chat)), ref: lastRef() }),
    replies: () => slack.sent().filter((m) => byChat.has(m.channel)).map((m) => ({ chat: m.channel, text: m.text, at: m.at })),
    logNeedle: (ref) => `slack-${ref}`,
    async warmUp(timeoutMs) {
      await slack.waitFor(() => slack.openConnections() > 0, timeoutMs);
      slack.injectMessage({ channel: 'D4999', user: 'U4999', text: 'warm-up' });
      await slack.waitFor(() => slack.sent().some((m) => m.channel === 'D4999'), timeoutMs);
    },
    // Envelopes Slack would have given up on (never acknowledged within its retries).
    extra: () => ({ givenUpEnvelopes: slack.givenUp().length, pendingEnvelopesAtEnd: slack.pendingEnvelopes() }),
  };
}
