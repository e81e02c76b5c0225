/**
 * The soak's channels seen the same way: send a message with a unique token to a
 * chat, read what users received, check it (testkit's traffic checkers), and say
 * which log needle finds a message's job in the pm2 logs.
 */
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import {
  createDiscordTraffic, createEmailTraffic, createMailDeliverer, createSlackTraffic, createTraffic, createWhatsappTraffic, startDovecot, startSmtpSink, testBotAddress,
} from '@nanobot/testkit';

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

/**
 * The email worker's source id of a mail (apps/email/src/source-id.ts): a hash of account and
 * mailbox, then UIDVALIDITY and UID; its inbound job id, and so the log needle, is made from it.
 */
const emailSourceId = ({ account, mailbox, uidValidity, uid }) =>
  `email-${createHash('sha256').update(`${account.toLowerCase()}\n${mailbox}`).digest('hex').slice(0, 12)}-${uidValidity}-${uid}`;

/**
 * A real Dovecot, a delivering IMAP client and an SMTP sink; each is pushed on `fakes` (closed in
 * reverse order: the deliverer before its Dovecot). UIDVALIDITY is read once for the log needles:
 * a Dovecot restart keeps it (it lives in the Maildir).
 */
export async function startEmailServers(fakes) {
  const dovecot = await startDovecot();
  fakes.push(dovecot);
  const sink = await startSmtpSink();
  fakes.push(sink);
  const deliverer = createMailDeliverer(dovecot);
  fakes.push(deliverer);
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await client.connect();
  try {
    const { uidValidity } = await client.status('INBOX', { uidValidity: true });
    return { dovecot, sink, deliverer, uidValidity: String(uidValidity) };
  } finally {
    await client.logout();
  }
}

/**
 * Email senders soak0@users.test…, each a conversation: mails APPENDed to the Dovecot INBOX,
 * replies read from the SMTP sink. A mail's UID comes back only once the APPEND is done (a
 * restarted Dovecot holds it up), so its ref is filled in later: `{ uid }`. The job id is
 * `email-<account hash>-<UIDVALIDITY>-<UID>`.
 */
export function emailChannel({ dovecot, deliverer, sink, uidValidity }, count) {
  const senders = Array.from({ length: count }, (_, i) => `soak${i}@users.test`);
  const refs = [];
  const { view, lastRef } = remembering(deliverer, 'deliver', (_, delivered) => {
    const ref = { uid: null };
    refs.push(ref);
    // A mail the deliverer gave up on keeps uid null and shows up as lost.
    delivered.then((uid) => (ref.uid = uid), (err) => (ref.error = err instanceof Error ? err.message : String(err)));
    return ref;
  });
  const traffic = createEmailTraffic(view, sink, { senders, prefix: 'soak' });
  const soakSenders = new Set(senders);
  const warmUpSender = 'warm-up@users.test';
  const echo = (subject) => `echo: ${subject.replace(/^re:\s*/i, '')}`;
  return {
    name: 'email',
    chats: senders,
    traffic,
    send: (chat) => ({ text: traffic.send(chat), ref: lastRef() }),
    replies: () => sink.mails().flatMap((m) => m.to.filter((to) => soakSenders.has(to)).map((to) => ({ chat: to, text: echo(m.subject), at: m.at }))),
    logNeedle: (ref) => (ref?.uid == null ? `email-uid-unknown` : emailSourceId({ account: dovecot.user, mailbox: 'INBOX', uidValidity, uid: ref.uid })),
    async warmUp(timeoutMs) {
      await deliverer.deliver({ from: warmUpSender, to: testBotAddress, subject: 'warm-up', text: 'warm-up' });
      await sink.waitFor(() => sink.mails().some((m) => m.to.includes(warmUpSender)), timeoutMs);
    },
    // Mails the deliverer never got into the INBOX (Dovecot away for more than two minutes).
    extra: () => ({ undeliveredMails: refs.filter((r) => r.uid === null).length }),
  };
}
