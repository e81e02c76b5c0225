import { spawnSync } from 'node:child_process';
import type { Redis } from 'ioredis';
import { createRedisClient, homeNodeOf, primariesOf } from '@nanobot/bus';
import { describeError, parseRedisEndpoint, toRedisConnectionString } from '@nanobot/core';
import { checkCluster, onEveryPrimary } from './check-redis-cluster.js';
import type { LoadedConfig } from '@nanobot/config';
import type { Check } from './doctor-command.js';

const probeOptions = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 } as const;

/**
 * `nanobot doctor`'s Redis checks: reachable, `noeviction`, persistence on, and for Sentinel,
 * Cluster and WAIT that the topology is what the config says (on a cluster, on every primary). One Check per question, so a managed Redis
 * that refuses CONFIG still shows what could be checked.
 */
export async function checkRedis(loaded: LoadedConfig): Promise<Check[]> {
  if (loaded.redis.embedded) {
    const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) {
      return [{ name: 'redis', ok: false, detail: 'redis-server is not installed (apt-get install -y redis-server), and REDIS_URL is not set' }];
    }
  }
  const sentinel = loaded.redis.sentinel === undefined ? [] : [await checkSentinels(loaded.redis.sentinel, loaded.redis.url)];
  let redis: Redis | undefined;
  try {
    redis = createRedisClient(loaded.redis.url, probeOptions);
    redis.on('error', () => undefined); // the failed connect() below reports it
    await redis.connect();
  } catch (err) {
    redis?.disconnect();
    const hint = loaded.redis.embedded ? ' (the embedded Redis runs only while the cluster runs: `nanobot start`)' : '';
    return [{ name: 'redis', ok: loaded.redis.embedded, detail: `not reachable: ${describeError(err)}${hint}` }, ...sentinel];
  }
  try {
    const primaries = primariesOf(redis);
    const checks = [
      await onEveryPrimary(primaries, checkPolicy),
      await onEveryPrimary(primaries, checkPersistence),
      ...sentinel,
      ...(loaded.redis.cluster === undefined ? [] : [await checkCluster(redis, loaded.redis.cluster.nodes)]),
    ];
    if (loaded.config.redis.waitReplicas > 0) checks.push(await checkReplicas(await homeNodeOf(redis), loaded.config.redis.waitReplicas));
    return checks;
  } finally {
    redis.disconnect();
  }
}

async function configValue(redis: Redis, key: string): Promise<string> {
  const pair = (await redis.config('GET', key)) as string[];
  return pair[1] ?? '';
}

export async function checkPolicy(redis: Redis): Promise<Check> {
  try {
    const policy = await configValue(redis, 'maxmemory-policy');
    const ok = policy === 'noeviction';
    return { name: 'redis', ok, detail: ok ? 'reachable, noeviction' : `maxmemory-policy is ${policy}: BullMQ needs noeviction (an evicted key is a lost message)` };
  } catch {
    // Managed Redis often refuses CONFIG; INFO memory says the same.
    const policy = /maxmemory_policy:(\S+)/.exec(await redis.info('memory'))?.[1] ?? 'unknown';
    return { name: 'redis', ok: policy === 'noeviction', detail: `reachable, maxmemory-policy ${policy}${policy === 'noeviction' ? '' : ': BullMQ needs noeviction'}` };
  }
}

/** AOF or RDB snapshots: without either a restarted Redis has forgotten every queued message. */
export async function checkPersistence(redis: Redis): Promise<Check> {
  const info = await redis.info('persistence');
  const aof = /aof_enabled:1/.test(info);
  let save = '';
  try {
    save = await configValue(redis, 'save');
  } catch {
    save = '(CONFIG refused)';
  }
  if (aof) return { name: 'persistence', ok: true, detail: 'AOF on' };
  if (save === '(CONFIG refused)') return { name: 'persistence', ok: true, warning: true, detail: 'AOF off, RDB snapshots unknown (CONFIG refused): make sure this Redis persists' };
  if (save.trim() !== '') return { name: 'persistence', ok: true, warning: true, detail: `RDB snapshots only (save ${save}): a crash loses the writes since the last snapshot; appendonly yes keeps them` };
  return { name: 'persistence', ok: false, detail: 'neither AOF nor RDB snapshots: a restart of Redis loses every queued message (set appendonly yes)' };
}

/** Every configured sentinel is asked; the setup is fine when a quorum can be reached. */
async function checkSentinels(sentinel: NonNullable<LoadedConfig['redis']['sentinel']>, connection: string): Promise<Check> {
  const answers = await Promise.all(sentinel.nodes.map((node) => askSentinel(node, sentinel.name, sentinelConnection(node, connection))));
  const knowing = answers.filter((a) => a.master !== undefined);
  const first = knowing[0];
  if (first === undefined) {
    const reason = answers.map((a) => a.error).find((e) => e !== undefined) ?? 'no answer';
    return { name: 'sentinel', ok: false, detail: `no sentinel knows a master named "${sentinel.name}" (${reason})` };
  }
  const disagree = knowing.some((a) => a.master !== first.master);
  const quorum = knowing.find((a) => a.quorum !== undefined)?.quorum;
  const detail = `master "${sentinel.name}" at ${first.master}, ${knowing.length} of ${sentinel.nodes.length} sentinels know it, ${first.replicas} replica(s)`;
  if (disagree) return { name: 'sentinel', ok: false, detail: `${detail}; the sentinels name different masters` };
  if (quorum?.startsWith('OK') !== true) return { name: 'sentinel', ok: false, detail: `${detail}; no quorum for a failover (${quorum ?? 'CKQUORUM not answered'})` };
  if (first.replicas === 0) return { name: 'sentinel', ok: true, warning: true, detail: `${detail}: nothing to fail over to` };
  return { name: 'sentinel', ok: true, detail: `${detail}, quorum ok` };
}

type SentinelAnswer = { master?: string; replicas: number; quorum?: string; error?: string };

/** A sentinel is reached as the workers reach it: over TLS with the same files when the URL is `rediss://`. */
function sentinelConnection(node: { host: string; port: number }, connection: string): string {
  const endpoint = parseRedisEndpoint(connection);
  const url = `${new URL(endpoint.url).protocol}//${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`;
  return toRedisConnectionString({ url, waitReplicas: 0, waitTimeoutMs: endpoint.waitTimeoutMs, ...(endpoint.tls === undefined ? {} : { tls: endpoint.tls }) });
}

async function askSentinel(node: { host: string; port: number }, name: string, connection: string): Promise<SentinelAnswer> {
  const client = createRedisClient(connection, probeOptions);
  client.on('error', () => undefined); // reported as this sentinel's error
  try {
    await client.connect();
    const addr = (await client.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string] | null;
    if (addr === null) return { replicas: 0, error: `unknown to ${node.host}:${node.port}` };
    const replicas = ((await client.call('SENTINEL', 'replicas', name)) as unknown[]).length;
    const quorum = String(await client.call('SENTINEL', 'ckquorum', name).catch((err: unknown) => describeError(err)));
    return { master: `${addr[0]}:${addr[1]}`, replicas, quorum };
  } catch (err) {
    return { replicas: 0, error: describeError(err) };
  } finally {
    client.disconnect();
  }
}

/** With `redis.waitReplicas`, fewer connected replicas than that means no message is ever confirmed. */
async function checkReplicas(redis: Redis, wanted: number): Promise<Check> {
  const info = await redis.info('replication');
  const online = info.split(/\r?\n/).filter((line) => /^slave\d+:.*state=online/.test(line)).length;
  if (online >= wanted) return { name: 'replicas', ok: true, detail: `${online} online, redis.waitReplicas ${wanted}` };
  return { name: 'replicas', ok: false, detail: `${online} online but redis.waitReplicas is ${wanted}: every inbound message waits unconfirmed until enough replicas are back` };
}
