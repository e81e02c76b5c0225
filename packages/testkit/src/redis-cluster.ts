import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedis, waitUntil, type RedisServer } from './redis-server.js';

const run = promisify(execFile);

export type RedisClusterSetup = {
  /** Three primaries (and with `replicas: 1` a replica each), the 16384 slots split between them. */
  servers: RedisServer[];
  nodes: Array<{ host: string; port: number }>;
  /** The port of the primary that serves `slot` now, as the cluster itself says. */
  primaryOfSlot(slot: number): Promise<number>;
  /** Resolves with the new primary's port once `slot` is served by a node other than `oldPort`. */
  waitForFailover(slot: number, oldPort: number, timeoutMs?: number): Promise<number>;
  /** Resolves once the primary of `slot` has `count` online replicas (WAIT can succeed). */
  waitForReplicas(slot: number, count: number): Promise<void>;
  /** Kills every node by pid and deletes their folders. */
  close(): Promise<void>;
};

/**
 * A 3-primary Redis Cluster on free loopback ports: `redis-server --cluster-enabled yes` each,
 * joined by `redis-cli --cluster create`, ready once every node says `cluster_state:ok`. With
 * `replicas: 1` each primary gets a replica (six nodes); a node is judged failed after 2 s.
 */
export async function startRedisCluster(options: { replicas?: 0 | 1 } = {}): Promise<RedisClusterSetup> {
  const replicas = options.replicas ?? 0;
  const servers: RedisServer[] = [];
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
  };
  try {
    for (let i = 0; i < 3 * (1 + replicas); i += 1) {
      // nodes.conf lives in each server's own data directory (redis-server works in --dir).
      servers.push(await startRedis({ extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    const nodes = servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `${node.host}:${node.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    await waitUntil(async () => (await Promise.all(nodes.map((node) => clusterState(node.port)))).every((state) => state === 'ok'), 30_000, 'cluster_state:ok on every node');
    const live = () => servers.filter((server) => server.pid() !== undefined);
    const primaryOfSlot = async (slot: number): Promise<number> => {
      for (const server of live()) {
        const port = await slotOwner(server.port, slot).catch(() => undefined);
        if (port !== undefined) return port;
      }
      throw new Error(`no live node names a primary for slot ${slot}`);
    };
    if (replicas > 0) {
      await waitUntil(async () => (await Promise.all(nodes.map((node) => onlineReplicas(node.port).catch(() => -1)))).filter((n) => n >= 1).length === 3, 30_000, 'a replica online for every primary');
    }
    return {
      servers,
      nodes,
      primaryOfSlot,
      waitForFailover: async (slot, oldPort, timeoutMs = 60_000) => {
        await waitUntil(async () => (await primaryOfSlot(slot).catch(() => oldPort)) !== oldPort, timeoutMs, `a cluster failover of slot ${slot}`);
        return primaryOfSlot(slot);
      },
      waitForReplicas: async (slot, count) => {
        await waitUntil(async () => (await onlineReplicas(await primaryOfSlot(slot)).catch(() => 0)) >= count, 60_000, `${count} replica(s) online for slot ${slot}`);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `cluster_state` as the node on `port` (its plain port) reports it; a node not up yet is not ok yet. */
export async function clusterState(port: number): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => undefined); // a node not up yet just means "not ok yet"
  try {
    await client.connect();
    const info = String(await client.call('CLUSTER', 'INFO'));
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    client.disconnect();
  }
}

async function withNode<T>(port: number, run: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined); // a dead node is an answer too: the caller asks another
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
  }
}

/** The port of the primary serving `slot`, by the node at `port`'s view (CLUSTER SLOTS). */
async function slotOwner(port: number, slot: number): Promise<number | undefined> {
  return withNode(port, async (client) => {
    const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
    return ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
  });
}

async function onlineReplicas(port: number): Promise<number> {
  return withNode(port, async (client) => {
    const info = await client.info('replication');
    return info.split(/\r?\n/).filter((line) => /^slave\d+:.*state=online/.test(line)).length;
  });
}
