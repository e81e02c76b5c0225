import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedis, waitUntil, type RedisServer } from './redis-server.js';

const run = promisify(execFile);

export type RedisClusterSetup = {
  /** Three primaries, no replicas, the 16384 slots split between them. */
  servers: RedisServer[];
  nodes: Array<{ host: string; port: number }>;
  /** Kills every node by pid and deletes their folders. */
  close(): Promise<void>;
};

/**
 * A 3-primary Redis Cluster on free loopback ports: `redis-server --cluster-enabled yes` each,
 * joined by `redis-cli --cluster create`, ready once every node says `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<RedisClusterSetup> {
  const servers: RedisServer[] = [];
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
  };
  try {
    for (let i = 0; i < 3; i += 1) {
      // nodes.conf lives in each server's own data directory (redis-server works in --dir).
      servers.push(await startRedis({ extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    const nodes = servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `${node.host}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitUntil(async () => (await Promise.all(nodes.map((node) => clusterState(node.port)))).every((state) => state === 'ok'), 30_000, 'cluster_state:ok on every node');
    return { servers, nodes, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function clusterState(port: number): Promise<string> {
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
