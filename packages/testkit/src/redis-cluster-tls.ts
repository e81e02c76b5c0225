import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clusterState } from './redis-cluster.js';
import { makeTestCertificates } from './redis-tls-server.js';
import { freePort, startRedis, waitUntil, type RedisServer } from './redis-server.js';

const run = promisify(execFile);

export type TlsRedisClusterSetup = {
  servers: RedisServer[];
  /** The nodes' TLS ports (what a client is given); each server's plain `port` stays for the test's checks. */
  nodes: Array<{ host: string; port: number }>;
  files: { ca: string; cert: string; key: string };
  user: { name: string; password: string };
  close(): Promise<void>;
};

/**
 * A 3-primary Redis Cluster that speaks TLS to clients and between its nodes (`tls-cluster yes`,
 * so the nodes announce their TLS ports), requires a client certificate of the self-made test CA
 * and knows one ACL user. The server certificate is for `localhost`.
 */
export async function startTlsRedisCluster(user = { name: 'nanobot', password: 's3cret-pass' }): Promise<TlsRedisClusterSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'nanobot-redis-cluster-tls-'));
  const servers: RedisServer[] = [];
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    makeTestCertificates(dir);
    const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
    const nodes: Array<{ host: string; port: number }> = [];
    for (let i = 0; i < 3; i += 1) {
      const tlsPort = await freePort();
      servers.push(await startRedis({
        extraArgs: [
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000',
          '--tls-port', String(tlsPort), '--tls-cluster', 'yes',
          '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', files.ca,
          '--tls-auth-clients', 'yes',
          '--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all',
        ],
      }));
      nodes.push({ host: '127.0.0.1', port: tlsPort });
    }
    await run('redis-cli', [
      '--tls', '--cacert', files.ca, '--cert', files.cert, '--key', files.key, '--sni', 'localhost',
      '--cluster', 'create', ...nodes.map((node) => `${node.host}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes',
    ], { timeout: 30_000 });
    await waitUntil(async () => (await Promise.all(servers.map((server) => clusterState(server.port)))).every((state) => state === 'ok'), 30_000, 'cluster_state:ok on every node');
    return { servers, nodes, files, user, close };
  } catch (err) {
    await close();
    throw err;
  }
}
