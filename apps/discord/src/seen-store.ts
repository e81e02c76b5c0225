import type { Redis } from 'ioredis';
import { keyPrefix } from '@nanobot/bus';

/** Snowflakes compare as numbers: by length, then as strings. */
export const newer = (a: string, b: string | undefined): boolean => b === undefined || a.length > b.length || (a.length === b.length && a > b);

/** Sets the field to the id unless it already holds a newer one. */
const raiseScript = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (not cur) or (#ARGV[2] > #cur) or (#ARGV[2] == #cur and ARGV[2] > cur) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1`;

/** How long a channel counts as active: catch-up reads only channels with a message this recent. */
export const activeWindowMs = 24 * 3_600_000;
const discordEpochMs = 1_420_070_400_000n;
export const timeOf = (id: string): number => Number((BigInt(id) >> 22n) + discordEpochMs);

/**
 * Per bot, the newest message id handled in each channel it has heard from (a Redis hash):
 * where the REST catch-up starts after a session that could not be resumed, and what a
 * message at or below is (a copy, dropped). A channel first heard from is noted just below
 * its first message before that message is queued, so a worker killed in between still
 * reads it back; an id is raised only after its message was queued.
 */
export function createSeenStore(redis: Redis, botId: string) {
  const key = `${keyPrefix}discord:${botId}:seen`;
  const local = new Map<string, string>();
  return {
    /** Loads what Redis holds (at each fresh session) and returns the channels active lately. */
    async load(now: number): Promise<Array<{ channelId: string; after: string }>> {
      const all = await redis.hgetall(key);
      for (const [channelId, id] of Object.entries(all)) if (newer(id, local.get(channelId))) local.set(channelId, id);
      return [...local.entries()].filter(([, id]) => now - timeOf(id) < activeWindowMs).map(([channelId, after]) => ({ channelId, after }));
    },
    /** True if `id` is at or below what this channel already handled. */
    handled: (channelId: string, id: string): boolean => {
      const last = local.get(channelId);
      return last !== undefined && !newer(id, last);
    },
    /** True if the channel has had a message queued (it is read back after a lost session). */
    known: (channelId: string): boolean => local.has(channelId),
    /** Before a first message of a channel is queued: catch-up would start right below it. */
    async track(channelId: string, id: string): Promise<void> {
      if (local.has(channelId)) return;
      await redis.hsetnx(key, channelId, (BigInt(id) - 1n).toString());
    },
    /** After the message is queued (or ignored): it is handled. */
    async raise(channelId: string, id: string): Promise<void> {
      await redis.eval(raiseScript, 1, key, channelId, id);
      if (newer(id, local.get(channelId))) local.set(channelId, id);
    },
  };
}

export type SeenStore = ReturnType<typeof createSeenStore>;
