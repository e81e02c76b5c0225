/**
 * Where and how a process reaches Redis: a plain `redis://` or `rediss://` URL (with an ACL
 * user's name and password in it), plus what a URL cannot say: TLS files, Sentinel, WAIT.
 *
 * Every process passes one string around (the resolved config's `redis.url`, REDIS_URL, the
 * workers' `redisUrl` option), so the extra settings travel in that string as query parameters
 * of ours (`tls_ca=…`, `sentinels=…`, `cluster=…`): `packages/config` writes them, the bus's connection
 * factory reads and strips them before ioredis sees the URL. A plain URL stays a plain URL.
 */
export type RedisEndpoint = {
  /** The URL without our parameters (other query parameters are kept for ioredis). */
  url: string;
  tls?: RedisTlsFiles;
  /** Redis Sentinel: the sentinels to ask and the master's name; the URL's host is then unused. */
  sentinel?: { nodes: RedisNode[]; name: string };
  /** Redis Cluster: the seed nodes (any of its nodes; the rest are discovered); the URL's host is then unused. */
  cluster?: { nodes: RedisNode[] };
  /** Replicas that must hold an inbound message before the channel confirms it (WAIT); 0 = off. */
  waitReplicas: number;
  waitTimeoutMs: number;
};

export type RedisNode = { host: string; port: number };

/** TLS material for a `rediss://` connection, as file paths (PEM). */
export type RedisTlsFiles = {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  /** Default true; false accepts any certificate (only for a test setup). */
  rejectUnauthorized?: boolean;
};

export const defaultWaitTimeoutMs = 2_000;

const tlsParams = { ca: 'tls_ca', cert: 'tls_cert', key: 'tls_key', servername: 'tls_servername' } as const;
const ours = [...Object.values(tlsParams), 'tls_reject_unauthorized', 'sentinels', 'sentinel_name', 'cluster', 'wait_replicas', 'wait_timeout_ms'];

/** The one string that carries an endpoint; `parseRedisEndpoint` reads it back. */
export function toRedisConnectionString(endpoint: RedisEndpoint): string {
  const url = new URL(endpoint.url);
  const params = url.searchParams;
  for (const [field, name] of Object.entries(tlsParams) as Array<[keyof typeof tlsParams, string]>) {
    const value = endpoint.tls?.[field];
    if (value !== undefined) params.set(name, value);
  }
  if (endpoint.tls?.rejectUnauthorized === false) params.set('tls_reject_unauthorized', 'false');
  if (endpoint.sentinel !== undefined) {
    params.set('sentinels', endpoint.sentinel.nodes.map((node) => `${node.host}:${node.port}`).join(','));
    params.set('sentinel_name', endpoint.sentinel.name);
  }
  if (endpoint.cluster !== undefined) params.set('cluster', endpoint.cluster.nodes.map((node) => `${node.host}:${node.port}`).join(','));
  if (endpoint.waitReplicas > 0) {
    params.set('wait_replicas', String(endpoint.waitReplicas));
    params.set('wait_timeout_ms', String(endpoint.waitTimeoutMs));
  }
  return url.toString();
}

/** Throws a plain Error naming the parameter (never the URL: it may carry a password). */
export function parseRedisEndpoint(connection: string): RedisEndpoint {
  const url = new URL(connection);
  const params = url.searchParams;
  const tls: RedisTlsFiles = {};
  for (const [field, name] of Object.entries(tlsParams) as Array<[keyof typeof tlsParams, string]>) {
    const value = params.get(name);
    if (value !== null) tls[field] = value;
  }
  if (params.get('tls_reject_unauthorized') === 'false') tls.rejectUnauthorized = false;
  const nodes = params.get('sentinels');
  const name = params.get('sentinel_name');
  const clusterNodes = params.get('cluster');
  const waitReplicas = toCount(params.get('wait_replicas'), 'wait_replicas');
  const waitTimeoutMs = toCount(params.get('wait_timeout_ms'), 'wait_timeout_ms') || defaultWaitTimeoutMs;
  for (const param of ours) params.delete(param);
  const endpoint: RedisEndpoint = { url: url.toString(), waitReplicas, waitTimeoutMs };
  if (Object.keys(tls).length > 0) endpoint.tls = tls;
  if (nodes !== null) {
    if (name === null || name === '') throw new Error('redis connection: sentinels without sentinel_name');
    endpoint.sentinel = { nodes: nodes.split(',').map((text) => toNode(text, 'a sentinel')), name };
  }
  if (clusterNodes !== null) {
    if (nodes !== null) throw new Error('redis connection: both sentinels and cluster');
    endpoint.cluster = { nodes: clusterNodes.split(',').map((text) => toNode(text, 'a cluster node')) };
  }
  return endpoint;
}

function toNode(text: string, what: string): RedisNode {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`redis connection: ${what} is not host:port`);
  return { host: text.slice(0, at), port };
}

function toCount(value: string | null, name: string): number {
  if (value === null) return 0;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new Error(`redis connection: ${name} is not a whole number`);
  return count;
}
