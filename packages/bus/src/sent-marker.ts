import type { Redis } from 'ioredis';
import { keyPrefix } from './queue-names.js';
import { dedupeTtlMs } from './job-options.js';

export type SentState = 'sent' | 'uncertain';

/**
 * Sent-markers (RELIABILITY-NOTES L9): `sendMessage` is not idempotent, so every
 * delivered chunk is recorded right after success and checked before sending.
 * A chunk whose request may have reached the remote side without an answer is
 * marked `uncertain` and not sent again.
 *
 * Give it a connection that waits through a Redis outage (role `worker`): a marker
 * that failed to be written after a send would make the re-run send the chunk
 * again, and a failed look-up would fail the job into a delayed retry that later
 * replies of the chat overtake (L10).
 */
export function createSentMarkers(redis: Redis) {
  const key = (jobId: string, chunk: number) => `${keyPrefix}sent:${jobId}:${chunk}`;
  return {
    async get(jobId: string, chunk: number): Promise<SentState | null> {
      const value = await redis.get(key(jobId, chunk));
      return value === 'sent' || value === 'uncertain' ? value : null;
    },
    async mark(jobId: string, chunk: number, state: SentState): Promise<void> {
      await redis.set(key(jobId, chunk), state, 'PX', dedupeTtlMs);
    },
  };
}

export type SentMarkers = ReturnType<typeof createSentMarkers>;
