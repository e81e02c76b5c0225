import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, ping, startRedis, waitUntil, type RedisServer } from './redis-server.js';
import { waitForReplicas } from './redis-replicas.js';

export type SentinelSetup = {
  /** The master name the sentinels watch. */
  name: string;
  /** Started as primary and replica; after a failover their roles are swapped. */
  servers: [RedisServer, RedisServer];
  sentinels: Array<{ host: string; port: number }>;
  /** The port the sentinels name as the master now. */
  masterPort(): Promise<number>;
  /** Resolves once the sentinels name a master other than `oldPort`. */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  /** Resolves once the current master has `count` online replicas (WAIT succeeds). */
  waitForReplicas(count: number): Promise<void>;
  /** Kills every process by pid and deletes their folders. */
  close(): Promise<void>;
};

/**
 * One primary, one replica and three sentinels (quorum 2), all on free loopback ports. The
 * sentinels judge a master down after 1 s, so a failover takes a few seconds; each keeps its own
 * config file, which it rewrites as the topology changes.
 */
export async function startSentinelSetup(name = 'nanobot-main'): Promise<SentinelSetup> {
  const fast = ['--repl-diskless-sync-delay', '0'];
  const primary = await startRedis({ extraArgs: fast });
  const replica = await startRedis({ extraArgs: [...fast, '--replicaof', '127.0.0.1', String(primary.port)] });
  const dir = await mkdtemp(join(tmpdir(), 'nanobot-sentinel-'));
  const children: ChildProcess[] = [];
  const sentinels: Array<{ host: string; port: number }> = [];
  const close = async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([primary.close(), replica.close(), rm(dir, { recursive: true, force: true })]);
  };
  try {
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      const file = join(dir, `sentinel-${port}.conf`);
      await writeFile(file, sentinelConfig({ port, dir, name, primaryPort: primary.port }));
      const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
      children.push(child);
      await waitUntil(() => ping(port), 10_000, `redis-sentinel on port ${port}`);
      sentinels.push({ host: '127.0.0.1', port });
    }
    const ask = (port: number, ...args: string[]) => askSentinel(port, args);
    const masterPort = async () => Number(((await ask(sentinels[0]?.port ?? 0, 'get-master-addr-by-name', name)) as string[])[1]);
    await waitUntil(async () => everySentinelKnowsAll(sentinels, name), 30_000, 'the sentinels to find each other and the replica');
    const setup: SentinelSetup = {
      name,
      servers: [primary, replica],
      sentinels,
      masterPort,
      waitForFailover: async (oldPort, timeoutMs = 60_000) => {
        await waitUntil(async () => (await masterPort().catch(() => oldPort)) !== oldPort, timeoutMs, 'a sentinel failover');
        return masterPort();
      },
      waitForReplicas: async (count) => {
        const master = new Redis({ port: await masterPort(), host: '127.0.0.1', maxRetriesPerRequest: 1 });
        try {
          await waitForReplicas(master, count, 60_000);
        } finally {
          master.disconnect();
        }
      },
      close,
    };
    await setup.waitForReplicas(1);
    return setup;
  } catch (err) {
    await close();
    throw err;
  }
}

function sentinelConfig(options: { port: number; dir: string; name: string; primaryPort: number }): string {
  return [
    `port ${options.port}`,
    'bind 127.0.0.1',
    `dir ${options.dir}`,
    `sentinel monitor ${options.name} 127.0.0.1 ${options.primaryPort} 2`,
    `sentinel down-after-milliseconds ${options.name} 1000`,
    `sentinel failover-timeout ${options.name} 5000`,
    `sentinel parallel-syncs ${options.name} 1`,
    '',
  ].join('\n');
}

async function askSentinel(port: number, args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => undefined); // the failed command reports it
  try {
    await client.connect();
    return await client.call('SENTINEL', ...args);
  } finally {
    client.disconnect();
  }
}

/** Each sentinel sees the two others and one replica: only then can they agree on a failover. */
async function everySentinelKnowsAll(sentinels: Array<{ port: number }>, name: string): Promise<boolean> {
  for (const { port } of sentinels) {
    const others = (await askSentinel(port, ['sentinels', name]).catch(() => [])) as unknown[];
    const replicas = (await askSentinel(port, ['replicas', name]).catch(() => [])) as unknown[];
    if (others.length < 2 || replicas.length < 1) return false;
  }
  return true;
}
