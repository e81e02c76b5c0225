import type { Redis } from 'ioredis';
import { homeNodeOf } from './cluster-nodes.js';

/**
 * New inbound messages are refused once `used_memory` passes this share of `maxmemory`
 * (under `noeviction`), so the rest stays free for the work already taken in.
 *
 * Why: at `maxmemory`, Redis refuses every write that may grow memory (OOM), and a BullMQ
 * script is refused at its first such write. A reply then cannot even be fetched (moving a
 * job from wait to active is such a write), let alone get its sent-marker, so replies would
 * wait for memory like new messages do. Holding new messages at their source a little
 * earlier keeps the headroom for the replies, sessions and completions of turns in flight.
 */
export const inboundHighWaterRatio = 0.9;

/** How long one reading of `INFO memory` is trusted: a busy channel asks once per second at most. */
const readingTtlMs = 1_000;

/**
 * Reports itself as Redis's OOM reply would, so every channel, supervisor and status line
 * treats it as "Redis full" (redis-trouble.ts) without knowing about the high-water mark.
 */
export class HighWaterError extends Error {
  constructor(usedBytes: number, maxBytes: number) {
    super(`OOM inbound held: used_memory ${usedBytes} is above ${Math.round(inboundHighWaterRatio * 100)}% of maxmemory ${maxBytes}`);
    this.name = 'HighWaterError';
  }
}

type Reading = { usedBytes: number; maxBytes: number; noeviction: boolean; at: number };

const field = (text: string, name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();

function parseMemory(text: string, at: number): Reading {
  return {
    usedBytes: Number(field(text, 'used_memory')) || 0,
    maxBytes: Number(field(text, 'maxmemory')) || 0,
    noeviction: field(text, 'maxmemory_policy') === 'noeviction',
    at,
  };
}

/** True when a new inbound message must wait: memory is limited, not evicting, and past the mark. */
export const aboveHighWater = (usedBytes: number, maxBytes: number, noeviction: boolean): boolean =>
  noeviction && maxBytes > 0 && usedBytes >= maxBytes * inboundHighWaterRatio;

export type MemoryHeadroom = {
  /** Resolves when a new inbound message may be added; throws `HighWaterError` when not. */
  admit(): Promise<void>;
};

export function createMemoryHeadroom(redis: Redis, now: () => number = Date.now): MemoryHeadroom {
  let reading: Reading | undefined;
  let pending: Promise<Reading | undefined> | undefined;
  const read = async (): Promise<Reading | undefined> => {
    try {
      // On a cluster, the memory of the node that holds our keys (cluster-nodes.ts).
      return parseMemory(await (await homeNodeOf(redis)).info('memory'), now());
    } catch {
      // Redis away or slow: the add that follows meets the same trouble and reports it.
      return undefined;
    }
  };
  return {
    async admit() {
      if (reading === undefined || now() - reading.at >= readingTtlMs) {
        pending ??= read().finally(() => (pending = undefined));
        reading = (await pending) ?? reading;
      }
      if (reading !== undefined && aboveHighWater(reading.usedBytes, reading.maxBytes, reading.noeviction)) {
        throw new HighWaterError(reading.usedBytes, reading.maxBytes);
      }
    },
  };
}
