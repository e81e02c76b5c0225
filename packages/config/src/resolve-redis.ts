import { defaultWaitTimeoutMs, toRedisConnectionString, type RedisEndpoint } from '@nanobot/core';
import { toConfigError } from './config-problems.js';
import { nanobotPaths } from './nanobot-paths.js';
import { readRedisPassword } from './redis-password.js';
import type { Config } from './schema.js';

export type RedisTarget = {
  /**
   * The connection string every process hands to the bus: the URL, with our TLS, Sentinel and
   * WAIT settings as query parameters (`RedisEndpoint` in @nanobot/core). May carry a password.
   */
  url: string;
  embedded: boolean;
  port: number;
  /** Embedded only: where its password is kept (the file may not exist before the first start). */
  passwordFile?: string;
  /** Sentinel only: the master's name and the sentinels, for `nanobot doctor`. */
  sentinel?: NonNullable<RedisEndpoint['sentinel']>;
  /** Cluster only: the configured nodes, for `nanobot doctor`. */
  cluster?: NonNullable<RedisEndpoint['cluster']>;
};

export type ResolveRedisOptions = {
  /** `$NANOBOT_HOME`, where the embedded Redis keeps its password. */
  nanobotHome: string;
  /** Named in error messages. */
  file?: string;
};

/**
 * Which Redis the cluster uses: `REDIS_URL` wins, then `redis.url`, then `redis.sentinels` or
 * `redis.cluster` (whose first node then gives the URL); the
 * other `redis.*` keys (credentials, TLS files, Sentinel, WAIT) are added to whichever is used.
 * With none of them the cluster runs its own redis-server on `redis.port` (6399, never the
 * system's 6379), and the URL carries the password from `$NANOBOT_HOME/redis/password`.
 */
export function resolveRedis(config: Config, env: Record<string, string | undefined>, options: ResolveRedisOptions): RedisTarget {
  const file = options.file ?? 'config.json';
  const redis = config.redis;
  const fromEnv = env['REDIS_URL']?.trim();
  if (fromEnv !== undefined && fromEnv !== '' && !isRedisUrl(fromEnv)) {
    // The URL may carry a password, so the message says what was expected, not what was given.
    throw toConfigError([{ path: 'REDIS_URL', message: 'expected a redis:// or rediss:// URL' }], file);
  }
  if (redis.sentinels !== undefined && redis.name === undefined) {
    throw toConfigError([{ path: 'redis.name', message: 'redis.sentinels needs the name of the master the sentinels watch' }], file);
  }
  if (redis.sentinels !== undefined && redis.cluster !== undefined) {
    throw toConfigError([{ path: 'redis.cluster', message: 'a Redis is reached through Sentinel or as a Cluster, not both: remove redis.sentinels or redis.cluster' }], file);
  }
  const first = redis.sentinels?.[0] ?? redis.cluster?.[0];
  // With Sentinel or Cluster and no URL, `redis.tls` makes it `rediss://`: TLS then covers the
  // sentinels and the data nodes they name alike, or every cluster node (design note L28).
  const nodeScheme = redis.tls === undefined ? 'redis' : 'rediss';
  const given = fromEnv !== undefined && fromEnv !== '' ? fromEnv : (redis.url ?? (first === undefined ? undefined : `${nodeScheme}://${first.host}:${first.port}`));
  if (given === undefined) {
    if (redis.waitReplicas > 0) {
      throw toConfigError([{ path: 'redis.waitReplicas', message: 'the embedded Redis has no replicas: set redis.url, redis.sentinels or redis.cluster, or leave waitReplicas at 0' }], file);
    }
    const port = redis.port;
    const password = readRedisPassword(options.nanobotHome);
    const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
    return { url: `redis://${auth}127.0.0.1:${port}`, embedded: true, port, passwordFile: nanobotPaths(options.nanobotHome).redisPassword };
  }
  const url = new URL(given);
  if (url.username === '' && url.password === '') {
    if (redis.username !== undefined) url.username = encodeURIComponent(redis.username);
    if (redis.password !== undefined) url.password = encodeURIComponent(redis.password);
  }
  const sentinel = redis.sentinels === undefined || redis.name === undefined ? undefined : { nodes: redis.sentinels, name: redis.name };
  const cluster = redis.cluster === undefined ? undefined : { nodes: redis.cluster };
  const endpoint: RedisEndpoint = {
    url: url.toString(),
    waitReplicas: redis.waitReplicas,
    waitTimeoutMs: redis.waitTimeoutMs ?? defaultWaitTimeoutMs,
    ...(redis.tls === undefined ? {} : { tls: redis.tls }),
    ...(sentinel === undefined ? {} : { sentinel }),
    ...(cluster === undefined ? {} : { cluster }),
  };
  return {
    url: toRedisConnectionString(endpoint),
    embedded: false,
    port: portOf(url),
    ...(sentinel === undefined ? {} : { sentinel }),
    ...(cluster === undefined ? {} : { cluster }),
  };
}

/** `redis.*` keys that do nothing with the Redis in use, so `nanobot start` can say so. */
export function redisConfigWarnings(config: Config, target: RedisTarget): string[] {
  const redis = config.redis;
  const warnings: string[] = [];
  if (target.embedded) {
    for (const key of ['username', 'password', 'tls', 'name'] as const) {
      if (redis[key] !== undefined) warnings.push(`redis.${key}: ignored, the embedded Redis is used (set redis.url or REDIS_URL for an external one)`);
    }
    return warnings;
  }
  if (redis.tls !== undefined && !target.url.startsWith('rediss:')) warnings.push('redis.tls: ignored, the Redis URL is redis:// (use rediss:// for TLS)');
  if (redis.name !== undefined && redis.sentinels === undefined) warnings.push('redis.name: ignored without redis.sentinels');
  return warnings;
}

function isRedisUrl(value: string): boolean {
  return URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol);
}

function portOf(url: URL): number {
  return url.port === '' ? 6379 : Number(url.port);
}
