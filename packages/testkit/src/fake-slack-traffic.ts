import type { FakeSlack } from './fake-slack-types.js';
import { createChatTraffic } from './traffic.js';

/** A conversation: a DM (`D…`), or a thread in a channel (`C…` with the root's ts), whose messages mention the bot. */
export type SlackConversation = { channel: string; user: string; threadTs?: string };

/** Slack traffic through the fake (each conversation its own chat for the order check), checked like Telegram's. */
export function createSlackTraffic(slack: FakeSlack, options: { conversations: SlackConversation[]; prefix: string }) {
  const key = (c: SlackConversation) => `${c.channel}${c.threadTs === undefined ? '' : `-${c.threadTs.replace('.', '')}`}`;
  const ours = (c: SlackConversation) => slack.sent().filter((m) => m.channel === c.channel && (c.threadTs === undefined || m.threadTs === c.threadTs));
  return createChatTraffic<SlackConversation>(
    {
      inject: (c, text) => void slack.injectMessage({ channel: c.channel, user: c.user, text, ...(c.threadTs === undefined ? {} : { threadTs: c.threadTs, mention: true }) }),
      repliesTo: (c) => ours(c).map((m) => m.text),
      allReplies: () => slack.sent().map((m) => ({ text: m.text, at: m.at })),
      waitFor: (predicate, timeoutMs) => slack.waitFor(predicate, timeoutMs),
    },
    { chats: options.conversations, prefix: options.prefix, label: key },
  );
}

export type SlackTraffic = ReturnType<typeof createSlackTraffic>;

/** Adds an enabled Slack channel pointing at the fake to a cluster config (for example one from fakeConfig). */
export function withFakeSlack(config: Record<string, unknown>, slack: FakeSlack, allowFrom: string[] = ['*'], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const channels = (config.channels ?? {}) as Record<string, unknown>;
  return {
    ...config,
    channels: { ...channels, slack: { enabled: true, botToken: slack.botToken, appToken: slack.appToken, apiBase: slack.apiBase, allowFrom, ...extra } },
  };
}
