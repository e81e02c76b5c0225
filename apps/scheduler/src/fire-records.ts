import type { Redis } from 'ioredis';
import { dedupeTtlMs, keyPrefix } from '@nanobot/bus';
import type { CronTarget } from '@nanobot/cron';

/**
 * What the scheduler remembers about a turn it queued, keyed by the turn's inbound id: whose
 * run it is and where its answer goes. The agent answers a scheduled turn on the `system`
 * channel; the scheduler reads its answer there, records it and forwards it to the chat.
 */
export type FireRecord = {
  cronJobId: string;
  runAtMs: number;
  queuedAtMs: number;
  /** Where the answer goes; none: only kept in the run history. */
  target?: CronTarget;
  heartbeat?: boolean;
};

const key = (inboundId: string) => `${keyPrefix}cron:fire:${inboundId}`;

export function createFireRecords(redis: Redis) {
  return {
    /** True when this call created the record: the first time this fire is handled. */
    async create(inboundId: string, record: FireRecord): Promise<boolean> {
      return (await redis.set(key(inboundId), JSON.stringify(record), 'PX', dedupeTtlMs, 'NX')) === 'OK';
    },
    async get(inboundId: string): Promise<FireRecord | undefined> {
      const json = await redis.get(key(inboundId));
      return json === null ? undefined : (JSON.parse(json) as FireRecord);
    },
  };
}

export type FireRecords = ReturnType<typeof createFireRecords>;
