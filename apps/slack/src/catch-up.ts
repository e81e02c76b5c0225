import type { Redis } from 'ioredis';
import type { WebClient } from '@slack/web-api';
import { keyPrefix } from '@nanobot/bus';
import type { Logger } from '@nanobot/log';
import type { SlackEvent } from './to-inbound.js';

/** A conversation we heard from: a channel's or DM's top level, or one thread. */
export type ActiveConversation = { channel: string; threadTs?: string; lastTs: string };

const activeKey = () => `${keyPrefix}slack:active`;
const lastTsKey = () => `${keyPrefix}slack:last-ts`;
/** Conversations heard from within this window are caught up after a reconnect. */
export const catchUpWindowMs = 30 * 60_000;
const maxConversations = 100;
const maxPages = 10;

// Slack ts strings compare as text (fixed 10.6 digits); keeps the newest ts per conversation.
const noteScript = `
local current = redis.call('HGET', KEYS[2], ARGV[2])
if (not current) or current < ARGV[3] then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -${maxConversations + 1})
return 1`;

const memberOf = (channel: string, threadTs: string | undefined) => (threadTs === undefined ? channel : `${channel}|${threadTs}`);

/**
 * Where the Slack worker was listening, in Redis: per conversation the ts of the newest message
 * it queued. Slack resends an envelope we never acknowledged only on its own schedule (about
 * 1 and 5 minutes later), while new messages arrive at once: after a reconnect the worker first
 * reads each recently active conversation from that ts on and queues what it missed, so the
 * missed messages come before newer ones and their late retries are dropped by the job id.
 */
export function createConversationLog(redis: Redis) {
  return {
    async note(channel: string, threadTs: string | undefined, ts: string, now = Date.now()): Promise<void> {
      await redis.eval(noteScript, 2, activeKey(), lastTsKey(), now, memberOf(channel, threadTs), ts);
    },
    async recent(now = Date.now()): Promise<ActiveConversation[]> {
      const members = await redis.zrangebyscore(activeKey(), now - catchUpWindowMs, '+inf');
      if (members.length === 0) return [];
      const last = await redis.hmget(lastTsKey(), ...members);
      return members.flatMap((member, i) => {
        const lastTs = last[i];
        if (lastTs === null || lastTs === undefined) return [];
        const [channel = '', threadTs] = member.split('|');
        return [{ channel, lastTs, ...(threadTs === undefined ? {} : { threadTs }) }];
      });
    },
  };
}

export type ConversationLog = ReturnType<typeof createConversationLog>;

type HistoryMessage = { type?: string; subtype?: string; user?: string; bot_id?: string; text?: string; ts?: string; thread_ts?: string; files?: unknown };

/** The messages after `lastTs` in one conversation, oldest first, as `message` events. */
export async function missedEvents(web: WebClient, conversation: ActiveConversation): Promise<SlackEvent[]> {
  const { channel, threadTs, lastTs } = conversation;
  const found: HistoryMessage[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const base = { channel, oldest: lastTs, limit: 200, ...(cursor === undefined ? {} : { cursor }) };
    const answer = threadTs === undefined ? await web.conversations.history(base) : await web.conversations.replies({ ...base, ts: threadTs });
    found.push(...((answer.messages ?? []) as HistoryMessage[]));
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (cursor === undefined) break;
  }
  return found
    .filter((m) => typeof m.ts === 'string' && m.ts > lastTs && (threadTs === undefined || m.ts !== threadTs))
    .sort((a, b) => ((a.ts ?? '') < (b.ts ?? '') ? -1 : 1))
    .map((m) => ({
      ...m,
      type: 'message',
      channel,
      channel_type: channel.startsWith('D') ? 'im' : 'channel',
    }));
}

/** Runs `queue` on every missed message of every recently active conversation; a conversation Slack will not show is skipped. */
export async function catchUp(deps: { web: WebClient; log: ConversationLog; logger: Logger; queue: (event: SlackEvent) => Promise<void> }): Promise<number> {
  let queued = 0;
  for (const conversation of await deps.log.recent()) {
    let events: SlackEvent[];
    try {
      events = await missedEvents(deps.web, conversation);
    } catch (err) {
      deps.logger.warn({ err, channel: conversation.channel }, 'could not read a slack conversation to catch up; its retries will come from slack');
      continue;
    }
    for (const event of events) {
      await deps.queue(event);
      queued += 1;
    }
  }
  return queued;
}
