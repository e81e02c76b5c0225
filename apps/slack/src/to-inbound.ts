import { toSessionKey, type CommandName, type InboundMessage } from '@nanobot/core';

/** `channels.slack` as the worker applies it to one event. */
export type InboundPolicy = {
  allowFrom: string[];
  groupPolicy: 'mention' | 'open' | 'allowlist';
  groupAllowFrom: string[];
  groupRequireMention: boolean;
  dm: { enabled: boolean; policy: 'open' | 'allowlist'; allowFrom: string[] };
  replyInThread: boolean;
};

/** The part of a Slack `message` / `app_mention` event we read. */
export type SlackEvent = {
  type?: unknown;
  subtype?: unknown;
  user?: unknown;
  bot_id?: unknown;
  channel?: unknown;
  channel_type?: unknown;
  text?: unknown;
  ts?: unknown;
  thread_ts?: unknown;
  files?: unknown;
};

export type EventVerdict = { kind: 'accept'; message: InboundMessage } | { kind: 'ignore'; reason: string };

const commands = new Set<CommandName>(['start', 'new', 'stop', 'help', 'status']);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The job id of a Slack message: channel + message ts, which Slack keeps for the message
 * whatever envelope (a retry, or the `message` and `app_mention` events of one mention) brings it.
 */
export const sourceIdOf = (channel: string, ts: string) => `slack-${channel}-${ts}`;

/** Turn order: the message ts in microseconds (`1700000000.000100` → 1700000000000100), a safe integer. */
export function seqOf(ts: string): number {
  const [secs = '0', frac = ''] = ts.split('.');
  return Number(secs) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

/** nanobot's allowFrom, deny-by-default: empty denies everyone, `*` allows everyone, else exact user ids. */
export const isAllowed = (allowFrom: readonly string[], userId: string): boolean => allowFrom.includes('*') || allowFrom.includes(userId);

function parseCommand(text: string): { command: CommandName; args: string } | undefined {
  const match = /^\/([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  const name = match?.[1]?.toLowerCase() as CommandName | undefined;
  if (name === undefined || !commands.has(name)) return undefined;
  return { command: name, args: (match?.[2] ?? '').trim() };
}

const stripMention = (text: string, botUserId: string | undefined) =>
  botUserId === undefined ? text.trim() : text.split(`<@${botUserId}>`).join(' ').replace(/\s+/g, ' ').trim();

function fileNotes(files: unknown): string[] {
  if (!Array.isArray(files)) return [];
  return files.map((file: unknown) => {
    const f = (file ?? {}) as { name?: unknown; mimetype?: unknown };
    return `[file: ${str(f.name) ?? 'unnamed'}${str(f.mimetype) === undefined ? '' : ` (${String(f.mimetype)})`}]`;
  });
}

function inChannelAllowed(policy: InboundPolicy, channel: string, mentioned: boolean): string | undefined {
  if (policy.groupPolicy === 'open') return undefined;
  if (policy.groupPolicy === 'mention') return mentioned ? undefined : 'channel message without mention';
  if (!policy.groupAllowFrom.includes(channel)) return 'channel not in groupAllowFrom';
  return policy.groupRequireMention && !mentioned ? 'channel message without mention' : undefined;
}

/**
 * One Slack event → an inbound message, or why not: nanobot's rules (DMs by `dm`, channels by
 * `groupPolicy`, our bot's own and edited/deleted messages ignored), plus allowFrom for the sender.
 */
export function toInbound(
  event: SlackEvent, policy: InboundPolicy, botUserId: string | undefined, receivedAt: number, downloaded?: { paths: string[]; notes: string[] },
): EventVerdict {
  const type = str(event.type);
  if (type !== 'message' && type !== 'app_mention') return { kind: 'ignore', reason: `event ${type ?? '?'}` };
  const subtype = str(event.subtype);
  if (subtype !== undefined && subtype !== 'file_share') return { kind: 'ignore', reason: `message subtype ${subtype}` };
  const user = str(event.user);
  const channel = str(event.channel);
  const ts = str(event.ts);
  if (user === undefined || channel === undefined || ts === undefined) return { kind: 'ignore', reason: 'no user, channel or ts' };
  if (str(event.bot_id) !== undefined || user === botUserId) return { kind: 'ignore', reason: 'a bot message' };
  if (!isAllowed(policy.allowFrom, user)) return { kind: 'ignore', reason: 'sender not in allowFrom' };
  const raw = typeof event.text === 'string' ? event.text : '';
  const isDm = str(event.channel_type) === 'im' || channel.startsWith('D');
  const mentioned = type === 'app_mention' || (botUserId !== undefined && raw.includes(`<@${botUserId}>`));
  const text = stripMention(raw, botUserId);
  const command = parseCommand(text);
  if (isDm) {
    if (!policy.dm.enabled) return { kind: 'ignore', reason: 'dm disabled' };
    if (policy.dm.policy === 'allowlist' && !policy.dm.allowFrom.includes(user)) return { kind: 'ignore', reason: 'sender not in dm.allowFrom' };
  } else {
    const refused = command === undefined ? inChannelAllowed(policy, channel, mentioned) : undefined;
    if (refused !== undefined) return { kind: 'ignore', reason: refused };
  }
  // nanobot: a channel message opens a thread when replyInThread; a DM stays flat unless already in a thread.
  const threadTs = str(event.thread_ts) ?? (policy.replyInThread && !isDm ? ts : undefined);
  const base = {
    id: sourceIdOf(channel, ts),
    channel: 'slack' as const,
    chatId: channel,
    senderId: user,
    // nanobot's session key: one per thread (`slack:<channel>:<thread_ts>`), else one per conversation.
    sessionKey: threadTs === undefined ? toSessionKey('slack', channel) : `${toSessionKey('slack', channel)}:${threadTs}`,
    seq: seqOf(ts),
    receivedAt,
    sourceMessageId: ts,
    ...(threadTs === undefined ? {} : { threadId: threadTs }),
  };
  if (command !== undefined) return { kind: 'accept', message: { ...base, kind: 'command', ...command } };
  const files = downloaded === undefined ? fileNotes(event.files) : [...downloaded.paths.map((path) => `[file: ${path}]`), ...downloaded.notes];
  const content = [text, ...files].filter((s) => s !== '').join('\n');
  if (content === '') return { kind: 'ignore', reason: 'empty message' };
  return { kind: 'accept', message: { ...base, kind: 'message', text: content, media: downloaded?.paths ?? [] } };
}
