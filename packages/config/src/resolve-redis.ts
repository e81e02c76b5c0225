import { toConfigError } from './config-problems.js';
import type { Config } from './schema.js';

export type RedisTarget = { url: string; embedded: boolean; port: number };

/**
 * Which Redis the cluster uses: `REDIS_URL` wins, then `redis.url`; with neither the cluster
 * runs its own redis-server on `redis.port` (6399, never the system's 6379).
 */
export function resolveRedis(config: Config, env: Record<string, string | undefined>, file = 'config.json'): RedisTarget {
  const fromEnv = env['REDIS_URL']?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isRedisUrl(fromEnv)) {
      // The URL may carry a password, so the message says what was expected, not what was given.
      throw toConfigError([{ path: 'REDIS_URL', message: 'expected a redis:// or rediss:// URL' }], file);
    }
    return { url: fromEnv, embedded: false, port: portOf(fromEnv) };
  }
  if (config.redis.url !== undefined) {
    return { url: config.redis.url, embedded: false, port: portOf(config.redis.url) };
  }
  return { url: `redis://127.0.0.1:${config.redis.port}`, embedded: true, port: config.redis.port };
}

function isRedisUrl(value: string): boolean {
  return URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol);
}

function portOf(url: string): number {
  const port = new URL(url).port;
  return port === '' ? 6379 : Number(port);
}
