import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { AppError, parseRedisEndpoint, type RedisEndpoint } from '@nanobot/core';
import { useKeyspace } from './queue-names.js';
import { redisTlsOptions } from './redis-tls.js';

/** What an inbound add waits for, per connection (see `createQueues`). */
export type Durability = {
  /** Replicas that must hold an inbound message before the channel confirms it; 0 = off. */
  waitReplicas: number;
  /** How long WAIT may block, in ms. */
  waitTimeoutMs?: number;
};

// The connection string says how durable an add must be, and the workers hand createQueues only
// the connection; remembering it per client spares every channel app a second option.
const durabilities = new WeakMap<Redis, Durability>();

/** The WAIT settings of the connection string this client was made from (none: off). */
export function durabilityOf(redis: Redis): Durability {
  return durabilities.get(redis) ?? { waitReplicas: 0 };
}

/**
 * The one place a Redis client is made from a connection string (a URL, possibly with our TLS,
 * Sentinel, Cluster and WAIT parameters: `RedisEndpoint`). `options` are the caller's ioredis
 * options (retries, timeouts); the endpoint decides host, credentials, TLS, Sentinel and Cluster.
 * A Cluster client is returned behind the `Redis` type (see cluster-nodes.ts), and making one
 * switches this process to the cluster keyspace (`{nb}`) before any key is named.
 */
export function createRedisClient(connection: string, options: RedisOptions): Redis {
  let endpoint: RedisEndpoint;
  try {
    endpoint = parseRedisEndpoint(connection);
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', 'redis url is not a valid URL', { cause });
  }
  const url = new URL(endpoint.url);
  const tls = url.protocol === 'rediss:' ? redisTlsOptions(endpoint.tls ?? {}) : undefined;
  if (endpoint.cluster !== undefined) {
    useKeyspace('cluster');
    const cluster = new Cluster(endpoint.cluster.nodes, clusterOptions(url, options, tls));
    const client = cluster as unknown as Redis;
    durabilities.set(client, { waitReplicas: endpoint.waitReplicas, waitTimeoutMs: endpoint.waitTimeoutMs });
    return client;
  }
  const redis = endpoint.sentinel === undefined
    // A username and password in the URL (an ACL user) are passed on by ioredis as AUTH user pass.
    ? new Redis(endpoint.url, { ...options, ...(tls === undefined ? {} : { tls }) })
    : new Redis({ ...options, ...sentinelOptions(endpoint, url, options), ...(tls === undefined ? {} : { tls, sentinelTLS: tls, enableTLSForSentinelMode: true }) });
  durabilities.set(redis, { waitReplicas: endpoint.waitReplicas, waitTimeoutMs: endpoint.waitTimeoutMs });
  return redis;
}

function sentinelOptions(endpoint: RedisEndpoint, url: URL, options: RedisOptions): RedisOptions {
  const sentinel = endpoint.sentinel;
  if (sentinel === undefined) return {};
  const db = Number(url.pathname.slice(1) || '0');
  return {
    sentinels: sentinel.nodes,
    name: sentinel.name,
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    // Sentinels are asked again with the same patience as the data connection.
    ...(typeof options.retryStrategy === 'function' ? { sentinelRetryStrategy: options.retryStrategy } : {}),
    // Subscribes to the sentinels' +switch-master, so a failover is followed at once instead of
    // when the dead primary's socket finally errors.
    failoverDetector: true,
  };
}

/**
 * ioredis takes a cluster's options in two layers: the cluster's own (offline queue, reconnects,
 * lazy connect) and `redisOptions` for the connection to each node (credentials, TLS, timeouts).
 */
function clusterOptions(url: URL, options: RedisOptions, tls: RedisOptions['tls']): ClusterOptions {
  const { retryStrategy, enableOfflineQueue, lazyConnect, enableReadyCheck, ...perNode } = options;
  return {
    ...(typeof retryStrategy === 'function' ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableReadyCheck === undefined ? {} : { enableReadyCheck }),
    // A node that is failing over answers CLUSTERDOWN or TRYAGAIN for a moment: wait and retry.
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    redisOptions: {
      ...perNode,
      ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
      ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
      ...(tls === undefined ? {} : { tls }),
    },
  };
}
