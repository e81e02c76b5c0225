import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, ping, startRedis, waitUntil, type RedisServer } from './redis-server.js';
import { waitForReplicas } from './redis-replicas.js';
import { makeTestCertificates } from './redis-tls-server.js';

export type SentinelSetupOptions = {
  /** The master name the sentinels watch (default `nanobot-main`). */
  name?: string;
  /**
   * Every node also listens with TLS (self-made CA, client certificates required), replication
   * and the sentinels' own links run over TLS, and `sentinels` and `masterPort()` name TLS ports
   * only. The plain ports stay open for the testkit's and the test's own checks.
   */
  tls?: boolean;
};

export type SentinelTls = {
  /** PEM files: the self-made CA and a client certificate it signed (server certificate CN localhost). */
  files: { ca: string; cert: string; key: string };
  /** The TLS ports of `servers`, in the same order. */
  ports: [number, number];
};

export type SentinelSetup = {
  /** The master name the sentinels watch. */
  name: string;
  /** Started as primary and replica; after a failover their roles are swapped. */
  servers: [RedisServer, RedisServer];
  /** The sentinels' addresses for a client: their TLS ports with `tls`. */
  sentinels: Array<{ host: string; port: number }>;
  /** Only with the `tls` option. */
  tls?: SentinelTls;
  /** The port the sentinels name as the master now (a TLS port with `tls`). */
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
export async function startSentinelSetup(options: SentinelSetupOptions | string = {}): Promise<SentinelSetup> {
  const { name = 'nanobot-main', tls = false } = typeof options === 'string' ? { name: options } : options;
  const dir = await mkdtemp(join(tmpdir(), 'nanobot-sentinel-'));
  const servers: RedisServer[] = [];
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([...servers.map((server) => server.close()), rm(dir, { recursive: true, force: true })]);
  };
  try {
    if (tls) makeTestCertificates(dir);
    const tlsArgs = tls ? tlsServerArgs(dir) : [];
    const tlsPorts: [number, number] = tls ? [await freePort(), await freePort()] : [0, 0];
    const fast = ['--repl-diskless-sync-delay', '0'];
    const nodeArgs = (i: 0 | 1) => (tls ? [...fast, ...tlsArgs, '--tls-port', String(tlsPorts[i])] : fast);
    const primary = await startRedis({ extraArgs: nodeArgs(0) });
    servers.push(primary);
    const primaryAddress = tls ? tlsPorts[0] : primary.port;
    const replica = await startRedis({ extraArgs: [...nodeArgs(1), '--replicaof', '127.0.0.1', String(primaryAddress)] });
    servers.push(replica);
    const plainSentinels: number[] = [];
    const sentinels: Array<{ host: string; port: number }> = [];
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      const tlsPort = tls ? await freePort() : undefined;
      const file = join(dir, `sentinel-${port}.conf`);
      await writeFile(file, sentinelConfig({ port, tlsPort, dir, name, primaryPort: primaryAddress }));
      const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
      children.push(child);
      await waitUntil(() => ping(port), 10_000, `redis-sentinel on port ${port}`);
      plainSentinels.push(port);
      sentinels.push({ host: '127.0.0.1', port: tlsPort ?? port });
    }
    const ask = (port: number, ...args: string[]) => askSentinel(port, args);
    const masterPort = async () => Number(((await ask(plainSentinels[0] ?? 0, 'get-master-addr-by-name', name)) as string[])[1]);
    // The testkit's own connections use the plain ports; the sentinels name TLS ones with `tls`.
    const plainPortOf = (port: number) => (tls ? servers[tlsPorts.indexOf(port)]?.port ?? port : port);
    await waitUntil(async () => everySentinelKnowsAll(plainSentinels, name), 30_000, 'the sentinels to find each other and the replica');
    const setup: SentinelSetup = {
      name,
      servers: [primary, replica],
      sentinels,
      ...(tls ? { tls: { files: { ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') }, ports: tlsPorts } } : {}),
      masterPort,
      waitForFailover: async (oldPort, timeoutMs = 60_000) => {
        await waitUntil(async () => (await masterPort().catch(() => oldPort)) !== oldPort, timeoutMs, 'a sentinel failover');
        return masterPort();
      },
      waitForReplicas: async (count) => {
        const master = new Redis({ port: plainPortOf(await masterPort()), host: '127.0.0.1', maxRetriesPerRequest: 1 });
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

/** Server and client side of every TLS link: the same certificate, client certificates required. */
function tlsServerArgs(dir: string): string[] {
  return [
    '--tls-cert-file', join(dir, 'server.crt'),
    '--tls-key-file', join(dir, 'server.key'),
    '--tls-ca-cert-file', join(dir, 'ca.crt'),
    '--tls-auth-clients', 'yes',
    '--tls-replication', 'yes',
  ];
}

function sentinelConfig(options: { port: number; tlsPort: number | undefined; dir: string; name: string; primaryPort: number }): string {
  // With TLS the sentinels reach the data nodes and each other over TLS (`tls-replication`) and
  // announce their TLS port in their hello messages.
  const tls = options.tlsPort === undefined ? [] : [
    `tls-port ${options.tlsPort}`,
    `tls-cert-file ${join(options.dir, 'server.crt')}`,
    `tls-key-file ${join(options.dir, 'server.key')}`,
    `tls-ca-cert-file ${join(options.dir, 'ca.crt')}`,
    'tls-auth-clients yes',
    'tls-replication yes',
  ];
  return [
    `port ${options.port}`,
    ...tls,
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
async function everySentinelKnowsAll(ports: number[], name: string): Promise<boolean> {
  for (const port of ports) {
    const others = (await askSentinel(port, ['sentinels', name]).catch(() => [])) as unknown[];
    const replicas = (await askSentinel(port, ['replicas', name]).catch(() => [])) as unknown[];
    if (others.length < 2 || replicas.length < 1) return false;
  }
  return true;
}
