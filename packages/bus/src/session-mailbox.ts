import type { Redis } from 'ioredis';
import type { InboundMessage } from '@nanobot/core';
import { dedupeTtlMs } from './job-options.js';
import { keyPrefix } from './queue-names.js';

/**
 * Per-session ordering without BullMQ Pro groups.
 *
 * A message enters its session's mailbox (a sorted set ordered by the channel's
 * ingress seq) when the channel adds its inbound job (`acceptIntoMailbox`, right
 * after the add), so the mailbox holds a session's messages in arrival order before
 * any agent looks at them: jobs are not run in arrival order (several agents, a job
 * re-run after a crash or a Redis outage), and a message that entered the mailbox
 * only when its job ran could be answered after a later one. Every inbound job
 * puts its message in too (a no-op when it is there or done), then tries to take
 * the session's lease. The lease holder runs the session's turns one by one, oldest first,
 * and gives the lease back only when the mailbox is empty (checked atomically,
 * so no message is stranded). Jobs that find the lease taken are done: their
 * message is durable in the mailbox and the holder will run it.
 *
 * A holder that dies stops renewing; its own job is re-run by BullMQ's stalled
 * check and takes the lease back at once (same job id), or any later job of the
 * session takes it when it expires. Commits are fenced by the lease token, so a
 * holder that lost its lease cannot mark a message done behind the new holder.
 * All keys of a session share a hash tag, so the scripts also work on a cluster.
 */
const keysFor = (sessionKey: string) => {
  const base = `${keyPrefix}sess:{${sessionKey}}`;
  return [`${base}:mbox`, `${base}:msgs`, `${base}:owner`, `${base}:done`, `${base}:tries`, `${base}:inj`];
};

const acceptScript = `
if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3])
return 1`;

const acquireScript = `
local current = redis.call('GET', KEYS[3])
local mine = ARGV[1] .. '|' .. ARGV[2]
if current then
  local sep = string.find(current, '|', 1, true)
  if string.sub(current, sep + 1) ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[3], mine, 'PX', ARGV[3])
return 1`;

const ownsCheck = `
local current = redis.call('GET', KEYS[3])
if not current or string.sub(current, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. '|' then return -1 end`;

const renewScript = `${ownsCheck}
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1`;

const commitScript = `${ownsCheck}
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[4]))
for i = 5, #ARGV do
  local id = ARGV[i]
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('HDEL', KEYS[6], id)
end
return 1`;

const releaseScript = `${ownsCheck}
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
redis.call('DEL', KEYS[3])
return 1`;

export type MailboxEntry = { id: string; json: string };

const runScript = async (redis: Redis, script: string, sessionKey: string, args: (string | number)[]): Promise<number> => {
  const keys = keysFor(sessionKey);
  return Number(await redis.eval(script, keys.length, ...keys, ...args));
};

/** Puts a message into its session's mailbox; 0 when it was already done (or is there already, unchanged). */
export const acceptIntoMailbox = (redis: Redis, message: InboundMessage): Promise<number> =>
  runScript(redis, acceptScript, message.sessionKey, [message.id, message.seq, JSON.stringify(message)]);

export function createSessionMailbox(redis: Redis, leaseMs: number) {
  const run = (script: string, sessionKey: string, args: (string | number)[]) => runScript(redis, script, sessionKey, args);

  return {
    leaseMs,
    /** Puts a message into its session's mailbox; 0 when it was already done. */
    accept: (message: InboundMessage) => acceptIntoMailbox(redis, message),
    /** 1 when this job now holds the session's lease. */
    acquire: (sessionKey: string, token: string, jobId: string) =>
      run(acquireScript, sessionKey, [token, jobId, leaseMs]),
    /** 1 renewed, -1 the lease is no longer ours. */
    renew: (sessionKey: string, token: string) => run(renewScript, sessionKey, [token, leaseMs]),
    /** The oldest message waiting in the session, if any. */
    async peek(sessionKey: string): Promise<MailboxEntry | null> {
      const [mbox, msgs] = keysFor(sessionKey) as [string, string];
      const [id] = await redis.zrange(mbox, 0, 0);
      if (id === undefined) return null;
      const json = await redis.hget(msgs, id);
      return json === null ? { id, json: '' } : { id, json };
    },
    /** How many times a message's turn was started (a crash loop guard). */
    countTry: (sessionKey: string, id: string) => redis.hincrby(keysFor(sessionKey)[4] as string, id, 1),
    /**
     * Marks messages done (a turn's message and those that joined it) and removes
     * them, atomically; 1 done, -1 the lease is no longer ours.
     */
    commit: (sessionKey: string, token: string, ids: string[]) =>
      run(commitScript, sessionKey, [token, '', Date.now(), dedupeTtlMs, ...ids]),
    /** Up to `limit` messages waiting after the given seq, oldest first. */
    async peekAfter(sessionKey: string, seq: number, limit: number): Promise<MailboxEntry[]> {
      const [mbox, msgs] = keysFor(sessionKey) as [string, string];
      const ids = await redis.zrangebyscore(mbox, `(${seq}`, '+inf', 'LIMIT', 0, limit);
      if (ids.length === 0) return [];
      const jsons = await redis.hmget(msgs, ...ids);
      return ids.map((id, i) => ({ id, json: jsons[i] ?? '' }));
    },
    /** Records that messages joined the turn of `intoId`, so a re-run of that turn includes them again. */
    async markInjected(sessionKey: string, ids: string[], intoId: string): Promise<void> {
      if (ids.length === 0) return;
      await redis.hset(keysFor(sessionKey)[5] as string, Object.fromEntries(ids.map((id) => [id, intoId])));
    },
    /** Ids of the messages that joined the turn of `intoId`. */
    async injectedInto(sessionKey: string, intoId: string): Promise<string[]> {
      const all = await redis.hgetall(keysFor(sessionKey)[5] as string);
      return Object.entries(all).filter(([, into]) => into === intoId).map(([id]) => id);
    },
    /** True while some job holds the session's lease. */
    isLeased: async (sessionKey: string): Promise<boolean> => (await redis.exists(keysFor(sessionKey)[2] as string)) === 1,
    /** True while a lease holder has messages to run: a turn is in progress. */
    async isBusy(sessionKey: string): Promise<boolean> {
      const [mbox, , owner] = keysFor(sessionKey) as [string, string, string];
      const [exists, size] = await Promise.all([redis.exists(owner), redis.zcard(mbox)]);
      return exists === 1 && size > 0;
    },
    /** 1 released, 0 not released because the mailbox has messages, -1 not ours. */
    release: (sessionKey: string, token: string) => run(releaseScript, sessionKey, [token]),
  };
}

export type SessionMailbox = ReturnType<typeof createSessionMailbox>;
