import type { Redis } from 'ioredis';
import { keyPrefix } from '@nanobot/bus';

/** Which preset a session chose with `/model` (nanobot keeps it with the session); none: the config's. */
export type ModelSelections = {
  get(sessionKey: string): Promise<string | undefined>;
  set(sessionKey: string, preset: string | undefined): Promise<void>;
};

const keyOf = (sessionKey: string) => `${keyPrefix}model-preset:${sessionKey}`;

/** In Redis, so every agent process serves the session with its choice, across restarts. */
export function createRedisModelSelections(redis: Redis): ModelSelections {
  return {
    async get(sessionKey) {
      return (await redis.get(keyOf(sessionKey))) ?? undefined;
    },
    async set(sessionKey, preset) {
      if (preset === undefined) await redis.del(keyOf(sessionKey));
      else await redis.set(keyOf(sessionKey), preset);
    },
  };
}

/** For `nanobot agent` without the cluster. */
export function createMemoryModelSelections(): ModelSelections {
  const chosen = new Map<string, string>();
  return {
    get: async (sessionKey) => chosen.get(sessionKey),
    set: async (sessionKey, preset) => {
      if (preset === undefined) chosen.delete(sessionKey);
      else chosen.set(sessionKey, preset);
    },
  };
}
