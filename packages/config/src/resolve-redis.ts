import { toConfigError } from './config-problems.js';
import { nanobotPaths } from './nanobot-paths.js';
import { readRedisPassword } from './redis-password.js';
import type { Config } from './schema.js';

export type RedisTarget = {
  url: string;
  embedded: boolean;
  port: number;
  /** Embedded only: where its password is kept (the file may not exist before the first start). */
  passwordFile?: string;
};

export type ResolveRedisOptions = {
  /** `$NANOBOT_HOME`, where the embedded Redis keeps its password. */
  nanobotHome: string;
  /** Named in error messages. */
  file?: string;
};

/**
 * Which Redis the cluster uses: `REDIS_URL` wins, then `redis.url` (both used as given); with
 * neither the cluster runs its own redis-server on `redis.port` (6399, never the system's 6379),
 * and the URL carries the password from `$NANOBOT_HOME/redis/password` once that exists.
 */
export function resolveRedis(config: Config, env: Record<string, string | undefined>, options: ResolveRedisOptions): RedisTarget {
  const file = options.file ?? 'config.json';
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
  const port = config.redis.port;
  const password = readRedisPassword(options.nanobotHome);
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return { url: `redis://${auth}127.0.0.1:${port}`, embedded: true, port, passwordFile: nanobotPaths(options.nanobotHome).redisPassword };
}

function isRedisUrl(value: string): boolean {
  return URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol);
}

function portOf(url: string): number {
  const port = new URL(url).port;
  return port === '' ? 6379 : Number(port);
}
