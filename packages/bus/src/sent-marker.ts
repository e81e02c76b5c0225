import type { ChainableCommander, Redis } from 'ioredis';
import { keyPrefix } from './queue-names.js';
import { dedupeTtlMs, retentionDayMs } from './job-options.js';

/** What a channel sender knows about one chunk of a reply. */
export type SentState = 'sent' | 'uncertain' | 'sending';

/** What was in flight when a chunk is `sending`: enough to ask the channel whether it arrived. */
export type SendingRecord = {
  /** A message id the chunk's message must be above (the chat's newest known one), if any. */
  floor: number | null;
  /** Exactly the text and parse mode of the request, so a probe compares like with like. */
  text: string;
  parseMode?: string;
  /** The chunk is a file (or an album) and `text` its caption: a probe edits the caption, not the text. */
  media?: boolean;
};

export type ChunkRecord =
  | { state: 'sent'; messageId?: number }
  | { state: 'uncertain' }
  | ({ state: 'sending' } & SendingRecord);

/** A chunk parked while it may have been delivered: its message may sit anywhere above `floor`. */
export type UnresolvedChunk = { ref: string; floor: number | null };

export type ChatRecord = {
  /** Ids of the chat's newest messages we know we sent (ascending, at most `oursKept`). */
  ours: number[];
  /** Ids of the chat's newest messages from others that the channel received (ascending, at most `seenKept`). */
  seen: number[];
  unresolved: UnresolvedChunk[];
};

/** How many of a chat's own message ids are kept: far more than one reply's chunks. */
export const oursKept = 100;
/** How many ids of others' messages are kept per chat: a busy chat's last minutes. */
export const seenKept = 200;
/** A chat's ids outlive its markers: a quiet chat's next reply still knows where to look. */
const chatTtlMs = 30 * retentionDayMs;

const toRecord = (value: string | null): ChunkRecord | null => {
  if (value === null) return null;
  if (value === 'sent' || value === 'uncertain') return { state: value };
  if (value.startsWith('sent:')) return { state: 'sent', messageId: Number(value.slice(5)) };
  if (!value.startsWith('sending:')) return null;
  const parsed = JSON.parse(value.slice(8)) as { floor?: unknown; text?: unknown; parseMode?: unknown; media?: unknown };
  if (typeof parsed.text !== 'string') return null;
  return {
    state: 'sending',
    floor: typeof parsed.floor === 'number' ? parsed.floor : null,
    text: parsed.text,
    ...(typeof parsed.parseMode === 'string' ? { parseMode: parsed.parseMode } : {}),
    ...(parsed.media === true ? { media: true } : {}),
  };
};

/** Runs a MULTI and throws the first command's error: ioredis resolves `exec` with them. */
async function execAll(tx: ChainableCommander): Promise<void> {
  const results = await tx.exec();
  const failed = results?.find(([err]) => err !== null)?.[0];
  if (failed) throw failed;
  if (results === null) throw new Error('redis transaction was aborted');
}

/**
 * Sent-markers (design-notes L9): sending a chat message is not idempotent, so every
 * chunk is marked `sending` (with what was sent and the chat's newest known message id)
 * before the request and `sent` (with the message id the channel returned) after it. A
 * re-run that finds `sending` does not guess: the sender asks the channel whether the
 * message arrived. `uncertain` is a chunk that could not be resolved and is not sent again.
 *
 * Per chat it keeps the ids of the messages we sent (the newest `oursKept`) and the chunks
 * parked while unresolved, so a later probe in that chat knows which ids are ours and
 * where an unresolved message of ours might sit.
 *
 * Give it a connection that waits through a Redis outage (role `worker`): a marker
 * that failed to be written after a send would make the re-run probe or send again, and a
 * failed look-up would fail the job into a delayed retry that later replies overtake (design-notes L10).
 */
export function createSentMarkers(redis: Redis) {
  const key = (jobId: string, chunk: number) => `${keyPrefix}sent:${jobId}:${chunk}`;
  const oursKey = (chat: string) => `${keyPrefix}chat:${chat}:ours`;
  const unresolvedKey = (chat: string) => `${keyPrefix}chat:${chat}:unresolved`;
  const seenKey = (chat: string) => `${keyPrefix}chat:${chat}:seen`;
  const ref = (jobId: string, chunk: number) => `${jobId}:${chunk}`;
  const read = async (jobId: string, chunk: number): Promise<ChunkRecord | null> => toRecord(await redis.get(key(jobId, chunk)));

  return {
    async get(jobId: string, chunk: number): Promise<SentState | null> {
      return (await read(jobId, chunk))?.state ?? null;
    },
    read,
    /** Marks a chunk sent (no message id) or uncertain. */
    async mark(jobId: string, chunk: number, state: 'sent' | 'uncertain'): Promise<void> {
      await redis.set(key(jobId, chunk), state, 'PX', dedupeTtlMs);
    },
    async markSending(jobId: string, chunk: number, record: SendingRecord): Promise<void> {
      await redis.set(key(jobId, chunk), `sending:${JSON.stringify(record)}`, 'PX', dedupeTtlMs);
    },
    /** Forgets a chunk whose request provably did not deliver it: the next run sends it. */
    async unmark(jobId: string, chunk: number): Promise<void> {
      await redis.del(key(jobId, chunk));
    },
    /**
     * The chunk is in the chat as `messageId` (an album also as `alsoIds`); one transaction, so
     * the chat's ids never miss a sent chunk.
     */
    async markDelivered(jobId: string, chunk: number, at: { chat: string; messageId: number; alsoIds?: number[] }): Promise<void> {
      const tx = redis.multi();
      for (const id of at.alsoIds ?? []) tx.zadd(oursKey(at.chat), id, String(id));
      await execAll(
        tx
          .set(key(jobId, chunk), `sent:${at.messageId}`, 'PX', dedupeTtlMs)
          .zadd(oursKey(at.chat), at.messageId, String(at.messageId))
          .zremrangebyrank(oursKey(at.chat), 0, -(oursKept + 1))
          .pexpire(oursKey(at.chat), chatTtlMs)
          .hdel(unresolvedKey(at.chat), ref(jobId, chunk)),
      );
    },
    /**
     * Parks a chunk that may have been delivered: `uncertain` (never sent again), or left
     * `sending` so a replay asks the channel again. Either way the chat remembers it.
     */
    async markUnresolved(jobId: string, chunk: number, at: { chat: string; floor: number | null; uncertain: boolean }): Promise<void> {
      const tx = redis.multi();
      if (at.uncertain) tx.set(key(jobId, chunk), 'uncertain', 'PX', dedupeTtlMs);
      await execAll(
        tx.hset(unresolvedKey(at.chat), ref(jobId, chunk), at.floor === null ? '' : String(at.floor)).pexpire(unresolvedKey(at.chat), dedupeTtlMs),
      );
    },
    /**
     * A message from someone else arrived in the chat (the channel received it): its id is the
     * chat's newest known one, so a later reply's probe starts above it and never spends a call
     * on it. A user who keeps writing while a reply is in doubt would otherwise push the reply's
     * message past the probe's bound.
     */
    async noteSeen(chat: string, messageId: number): Promise<void> {
      await execAll(
        redis
          .multi()
          .zadd(seenKey(chat), messageId, String(messageId))
          .zremrangebyrank(seenKey(chat), 0, -(seenKept + 1))
          .pexpire(seenKey(chat), chatTtlMs),
      );
    },
    async chat(chat: string): Promise<ChatRecord> {
      const [ours, seen, unresolved] = await Promise.all([redis.zrange(oursKey(chat), 0, -1), redis.zrange(seenKey(chat), 0, -1), redis.hgetall(unresolvedKey(chat))]);
      return {
        ours: ours.map(Number).sort((a, b) => a - b),
        seen: seen.map(Number).sort((a, b) => a - b),
        unresolved: Object.entries(unresolved).map(([chunkRef, floor]) => ({ ref: chunkRef, floor: floor === '' ? null : Number(floor) })),
      };
    },
    ref,
  };
}

export type SentMarkers = ReturnType<typeof createSentMarkers>;
