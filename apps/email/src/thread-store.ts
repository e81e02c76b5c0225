import type { Redis } from 'ioredis';
import { toJobId } from '@nanobot/core';
import type { ReceivedHeaders } from './reply-headers.js';

/** A reply finds the mail it answers for this long (the agent's slowest turn is far shorter). */
const keptS = 30 * 24 * 3600;

/**
 * What a reply needs from the mail it answers (Message-ID, References, subject), kept in Redis
 * under the inbound job id, so whichever process sends the reply, even after a restart, threads
 * it; and the last mail of each sender, for a message the agent sends on its own.
 */
export function createThreadStore(redis: Redis) {
  const byInbound = (inboundId: string) => `email:thread:${toJobId(inboundId)}`;
  const bySender = (address: string) => `email:last:${address}`;
  const parse = (value: string | null): ReceivedHeaders | undefined => {
    if (value === null) return undefined;
    const parsed = JSON.parse(value) as ReceivedHeaders;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  };
  return {
    async remember(inboundId: string, sender: string, headers: ReceivedHeaders): Promise<void> {
      const value = JSON.stringify(headers);
      await redis.multi().set(byInbound(inboundId), value, 'EX', keptS).set(bySender(sender), value, 'EX', keptS).exec();
    },
    /** The mail a reply answers; for a message of the agent's own, the sender's last mail; else nothing. */
    async lookup(inboundId: string, sender: string): Promise<{ headers: ReceivedHeaders; isReply: boolean } | undefined> {
      const direct = parse(await redis.get(byInbound(inboundId)));
      if (direct !== undefined) return { headers: direct, isReply: true };
      const last = parse(await redis.get(bySender(sender)));
      return last === undefined ? undefined : { headers: last, isReply: false };
    },
  };
}

export type ThreadStore = ReturnType<typeof createThreadStore>;
