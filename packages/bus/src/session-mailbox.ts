import type { Redis } from 'ioredis';
import type { InboundMessage } from '@nanobot/core';
import { dedupeTtlMs } from './job-options.js';
import { keyPrefix } from './queue-names.js';
import {
  acceptScript,
  acquireScript,
  commitScript,
  mailboxKeyNames,
  markNoticedScript,
  noteFailureScript,
  parkScript,
  releaseScript,
  renewScript,
  setAsideScript,
  stopWaitingScript,
} from './session-mailbox-scripts.js';

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
 *
 * A turn the model cannot answer now (an outage) is put back without losing its
 * place: the holder parks the lease (reserved for its own job id, held by no
 * process) and moves its job to the delayed set; later jobs of the session find
 * the lease taken and wait behind, and the job takes the lease back when it comes
 * out and runs the same turn again. Nothing holds a turn slot meanwhile, so other
 * sessions are served. `/stop` finds a parked turn through `stopWaiting`.
 * All keys of a session share a hash tag, so the scripts also work on a cluster.
 */
const keysFor = (sessionKey: string) => {
  const base = `${keyPrefix}sess:{${sessionKey}}`;
  return mailboxKeyNames.map((name) => `${base}:${name}`);
};

export type MailboxEntry = { id: string; json: string };

/** A session's model outage as the mailbox records it. */
export type SessionOutage = { since: number; failures: number; noticed: boolean };

const evalScript = (redis: Redis, script: string, sessionKey: string, args: (string | number)[]): Promise<unknown> => {
  const keys = keysFor(sessionKey);
  return redis.eval(script, keys.length, ...keys, ...args);
};

const runScript = async (redis: Redis, script: string, sessionKey: string, args: (string | number)[]): Promise<number> =>
  Number(await evalScript(redis, script, sessionKey, args));

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
     * them, atomically; 1 done, -1 the lease is no longer ours. `modelAnswered`
     * ends the session's model outage, if it had one.
     */
    commit: (sessionKey: string, token: string, ids: string[], options: { modelAnswered?: boolean } = {}) =>
      run(commitScript, sessionKey, [token, options.modelAnswered === true ? '1' : '', Date.now(), dedupeTtlMs, ...ids]),
    /** The stored messages of these ids (also of messages out of the order, set aside with their turn). */
    async messages(sessionKey: string, ids: string[]): Promise<MailboxEntry[]> {
      if (ids.length === 0) return [];
      const jsons = await redis.hmget(keysFor(sessionKey)[1] as string, ...ids);
      return ids.flatMap((id, i) => (jsons[i] === null || jsons[i] === undefined ? [] : [{ id, json: jsons[i] }]));
    },
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
    /** The id of the job the session's lease is held or reserved for (a parked lease, a dead holder's), or null. */
    async leaseJobId(sessionKey: string): Promise<string | null> {
      const current = await redis.get(keysFor(sessionKey)[2] as string);
      if (current === null) return null;
      return current.slice(current.indexOf('|') + 1);
    },
    /** True while a lease holder has messages to run: a turn is in progress. */
    async isBusy(sessionKey: string): Promise<boolean> {
      const [mbox, , owner] = keysFor(sessionKey) as [string, string, string];
      const [exists, size] = await Promise.all([redis.exists(owner), redis.zcard(mbox)]);
      return exists === 1 && size > 0;
    },
    /** 1 released, 0 not released because the mailbox has messages, -1 not ours. */
    release: (sessionKey: string, token: string) => run(releaseScript, sessionKey, [token]),
    /**
     * One more failed model call of the session's turn: the session's outage (since when,
     * how many failures, whether the user was told), forgotten `forgetAfterMs` after its
     * last failure; null when the lease is no longer ours.
     */
    async noteFailure(sessionKey: string, token: string, forgetAfterMs: number): Promise<SessionOutage | null> {
      const result = await evalScript(redis, noteFailureScript, sessionKey, [token, Date.now(), forgetAfterMs]);
      if (!Array.isArray(result)) return null;
      const [since, failures, noticed] = result.map(Number) as [number, number, number];
      return { since, failures, noticed: noticed === 1 };
    },
    /** The user was told of the session's outage; 1, or -1 when the lease is no longer ours. */
    markNoticed: (sessionKey: string, token: string) => run(markNoticedScript, sessionKey, [token]),
    /**
     * The holder's job goes to the delayed set with the turn of `id` still at the head:
     * the lease stays reserved for that job for `forMs`, with no process holding it.
     * 1, or -1 when the lease is no longer ours.
     */
    park: (sessionKey: string, token: string, id: string, forMs: number) => run(parkScript, sessionKey, [token, id, Math.max(1, Math.ceil(forMs))]),
    /** `/stop` of a turn waiting out an outage: the job id that holds the parked lease, or null when none waits. */
    async stopWaiting(sessionKey: string): Promise<string | null> {
      const result = await evalScript(redis, stopWaitingScript, sessionKey, [Date.now()]);
      return typeof result === 'string' ? result : null;
    },
    /** Takes a turn out of the order, not done, for `nanobot retry`; 1, or -1 when the lease is no longer ours. */
    setAside: (sessionKey: string, token: string, id: string) => run(setAsideScript, sessionKey, [token, id]),
    /** How many times the turn of `id` was set aside before (a part of the ids of its parked job and notices). */
    async setAsideCount(sessionKey: string, id: string): Promise<number> {
      return Number((await redis.hget(keysFor(sessionKey)[8] as string, id)) ?? 0);
    },
  };
}

export type SessionMailbox = ReturnType<typeof createSessionMailbox>;
