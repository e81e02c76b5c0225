import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis, type RedisServer } from './redis-server.js';

export type TlsRedisServer = {
  server: RedisServer;
  /** The TLS port (the plain `server.port` stays open for the test's own checks). */
  tlsPort: number;
  /** PEM files: the self-made CA and a client certificate it signed. */
  files: { ca: string; cert: string; key: string };
  /** The ACL user the server knows (all commands, all keys, all channels). */
  user: { name: string; password: string };
  close(): Promise<void>;
};

/** A self-made CA and a server (CN localhost) and client certificate signed by it, made with openssl. */
export function makeTestCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=nanobot test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  for (const name of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name === 'server' ? 'localhost' : 'nanobot'}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`);
  }
}

/**
 * A private redis-server that also listens with TLS, requires a client certificate signed by the
 * test CA (`--tls-auth-clients yes`) and knows one ACL user. The certificates are deleted on close.
 */
export async function startTlsRedis(user = { name: 'nanobot', password: 's3cret-pass' }): Promise<TlsRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'nanobot-redis-tls-'));
  try {
    makeTestCertificates(dir);
    const tlsPort = await freePort();
    const server = await startRedis({
      extraArgs: [
        '--tls-port', String(tlsPort),
        '--tls-cert-file', join(dir, 'server.crt'),
        '--tls-key-file', join(dir, 'server.key'),
        '--tls-ca-cert-file', join(dir, 'ca.crt'),
        '--tls-auth-clients', 'yes',
        // Each word of the ACL rule is its own argument; redis-server joins them.
        '--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all',
      ],
    });
    const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
    return { server, tlsPort, files, user, close: async () => (await server.close(), await rm(dir, { recursive: true, force: true })) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
