import type { Redis } from 'ioredis';
import { dedupeTtlMs } from './job-options.js';
import { keyPrefix } from './queue-names.js';

/**
 * Where a streamed reply stands at its channel: `open` once a preview message is about to be
 * sent for it (set before the send, so a sender that dies right after still knows the reply must
 * edit that message rather than send its own), `final` once the reply has written its complete
 * text into it: later previews (a re-run's, or a backlog after a hold) are dropped then.
 */
export type StreamState = 'open' | 'final';

const keyOf = (replyId: string) => `${keyPrefix}stream:${replyId}`;

export function createStreamStates(redis: Redis) {
  return {
    async get(replyId: string): Promise<StreamState | null> {
      const value = await redis.get(keyOf(replyId));
      return value === 'open' || value === 'final' ? value : null;
    },
    /** Opens the stream unless it is already open or final. */
    async open(replyId: string): Promise<void> {
      await redis.set(keyOf(replyId), 'open', 'PX', dedupeTtlMs, 'NX');
    },
    async finish(replyId: string): Promise<void> {
      await redis.set(keyOf(replyId), 'final', 'PX', dedupeTtlMs);
    },
  };
}

export type StreamStates = ReturnType<typeof createStreamStates>;
