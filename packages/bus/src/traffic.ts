import type { Redis } from 'ioredis';
import type { InboundMessage } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import { keyPrefix } from './queue-names.js';

/** One bucket of the traffic record per minute; each expires after two hours. */
export const trafficBucketMs = 60_000;
export const trafficTtlMs = 2 * 3_600_000;
/** Upper bounds of the reply latency histogram; one more slot holds everything slower. */
export const latencyBoundsMs = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 120_000] as const;

const bucketKey = (minuteStart: number) => `${keyPrefix}traffic:${minuteStart}`;
const arrivalKey = (inboundId: string) => `${keyPrefix}traffic:arrival:${inboundId}`;
const sentKey = (replyId: string) => `${keyPrefix}traffic:sent:${replyId}`;
const minuteOf = (at: number) => Math.floor(at / trafficBucketMs) * trafficBucketMs;

/** Counts a message once (a redelivery finds its arrival record) and keeps when it arrived. */
const noteInScript = `
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('HINCRBY', KEYS[2], 'in', 1)
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`;

/** Counts a reply once (a re-run finds its sent record); the first reply to a message gives its latency. */
const noteOutScript = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('HINCRBY', KEYS[3], 'out', 1)
local arrived = tonumber(redis.call('GET', KEYS[2]) or '')
if arrived then
  local latency = math.max(0, tonumber(ARGV[2]) - arrived)
  local slot = #ARGV - 2
  for i = 3, #ARGV do
    if latency <= tonumber(ARGV[i]) then slot = i - 3 break end
  end
  redis.call('HINCRBY', KEYS[3], 'latSum', latency)
  redis.call('HINCRBY', KEYS[3], 'latN', 1)
  redis.call('HINCRBY', KEYS[3], 'h' .. slot, 1)
  redis.call('SET', KEYS[2], 'answered', 'KEEPTTL')
end
redis.call('PEXPIRE', KEYS[3], ARGV[1])
return 1`;

export type TrafficRecorder = {
  /** A message from a person was added to `inbound`. Never throws: the chart is not worth a message. */
  noteIn(message: InboundMessage): Promise<void>;
  /** A reply was delivered whole by a channel's sender. Never throws. */
  noteOut(reply: { id?: unknown; inReplyTo?: unknown; kind?: unknown; progress?: unknown }): Promise<void>;
};

/**
 * The record behind the dashboard's traffic chart: per minute, messages in, replies out and
 * a histogram of reply latency (from the message's arrival to the reply's delivery), in
 * hashes that expire after two hours. Each message and reply counts once, however often
 * it is redelivered or re-sent.
 */
export function createTrafficRecorder(redis: Redis, log: Logger, now: () => number = Date.now): TrafficRecorder {
  const swallow = (what: string) => (err: unknown) => {
    // Losing one count costs a dot on a chart; the message itself is already safe.
    log.debug({ err }, `could not record ${what} for the traffic chart`);
  };
  return {
    async noteIn(message) {
      if (message.channel === 'system' || message.channel === 'cli') return;
      const at = now();
      await redis
        .eval(noteInScript, 2, arrivalKey(message.id), bucketKey(minuteOf(at)), trafficTtlMs, message.receivedAt > 0 ? message.receivedAt : at)
        .then(() => undefined, swallow('a message'));
    },
    async noteOut(reply) {
      if (typeof reply.id !== 'string' || typeof reply.inReplyTo !== 'string') return;
      // A streamed reply's previews and a turn's progress hints are not replies.
      if (reply.kind === 'stream' || reply.progress === true) return;
      const at = now();
      await redis
        .eval(noteOutScript, 3, sentKey(reply.id), arrivalKey(reply.inReplyTo), bucketKey(minuteOf(at)), trafficTtlMs, at, ...latencyBoundsMs)
        .then(() => undefined, swallow('a reply'));
    },
  };
}

export type TrafficMinute = {
  /** Start of the minute, ms since the epoch. */
  at: number;
  in: number;
  out: number;
  latencyCount: number;
  latencySumMs: number;
  /** Counts per slot of latencyBoundsMs, plus one slot for slower replies. */
  histogram: number[];
};

/** The last `minutes` minutes, oldest first, the current minute last; missing minutes are zeros. */
export async function readTraffic(redis: Redis, options: { now: number; minutes?: number }): Promise<TrafficMinute[]> {
  const minutes = options.minutes ?? 60;
  const last = minuteOf(options.now);
  const starts = Array.from({ length: minutes }, (_, i) => last - (minutes - 1 - i) * trafficBucketMs);
  const pipeline = redis.pipeline();
  for (const start of starts) pipeline.hgetall(bucketKey(start));
  const results = (await pipeline.exec()) ?? [];
  return starts.map((at, i) => {
    const [err, value] = results[i] ?? [null, {}];
    if (err) throw err;
    const hash = (value ?? {}) as Record<string, string>;
    const num = (field: string) => Number(hash[field] ?? 0) || 0;
    return {
      at,
      in: num('in'),
      out: num('out'),
      latencyCount: num('latN'),
      latencySumMs: num('latSum'),
      histogram: Array.from({ length: latencyBoundsMs.length + 1 }, (_, slot) => num(`h${slot}`)),
    };
  });
}

/**
 * The latency under which `fraction` of the replies came, as the bound of its histogram
 * slot (so "at most"); null without replies, Infinity when it lies past the last bound.
 */
export function latencyPercentileMs(minutes: TrafficMinute[], fraction: number): number | null {
  const slots = Array.from({ length: latencyBoundsMs.length + 1 }, (_, slot) => minutes.reduce((sum, m) => sum + (m.histogram[slot] ?? 0), 0));
  const total = slots.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(total * fraction);
  let seen = 0;
  for (const [slot, count] of slots.entries()) {
    seen += count;
    if (seen >= rank) return latencyBoundsMs[slot] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}
