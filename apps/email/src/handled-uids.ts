import type { Redis } from 'ioredis';

/**
 * Our own record of the mails already taken from a mailbox: the highest UID whose job is in
 * Redis (or that was ignored), per mailbox and UIDVALIDITY. Mails are taken in UID order, so one
 * number is the whole record, and a mail is never taken twice even when markSeen is false or
 * the worker died between queueing a mail and flagging it \Seen.
 */
export function createHandledUids(redis: Redis, mailboxKey: string) {
  const key = (uidValidity: bigint | number) => `email:handled:${mailboxKey}:${String(uidValidity)}`;
  return {
    async highest(uidValidity: bigint | number): Promise<number> {
      return Number((await redis.get(key(uidValidity))) ?? 0);
    },
    /** Never moves back: a standby that read an older number cannot undo a newer one. */
    async handled(uidValidity: bigint | number, uid: number): Promise<void> {
      await redis.eval(
        "local v = tonumber(redis.call('GET', KEYS[1]) or '0') if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1]) end return 1",
        1, key(uidValidity), String(uid),
      );
    },
  };
}

export type HandledUids = ReturnType<typeof createHandledUids>;
