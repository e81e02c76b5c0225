import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { freePort, startRedis, type RedisServer } from '@nanobot/testkit';
import { createLogger } from '@nanobot/log';
import { toRedisConnectionString } from '@nanobot/core';
import { createRedis, whenReady } from './redis-connection.js';
import { redisTlsOptions } from './redis-tls.js';

/** A self-made CA and a server and client certificate signed by it, made with openssl. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=nanobot test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  for (const name of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name === 'server' ? 'localhost' : 'nanobot'}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`);
  }
}

describe('createRedis over TLS with an ACL user', () => {
  let dir: string;
  let server: RedisServer | undefined;
  let tlsPort: number;
  const opened: Redis[] = [];
  const log = createLogger({ name: 'redis-tls-test', level: 'silent' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nanobot-redis-tls-'));
    makeCertificates(dir);
    tlsPort = await freePort();
    server = await startRedis({
      appendonly: false,
      extraArgs: [
        '--tls-port', String(tlsPort),
        '--tls-cert-file', join(dir, 'server.crt'),
        '--tls-key-file', join(dir, 'server.key'),
        '--tls-ca-cert-file', join(dir, 'ca.crt'),
        '--tls-auth-clients', 'yes',
        // Each word of the ACL rule is its own argument; redis-server joins them.
        '--user', 'nanobot', 'on', '>s3cret-pass', '~*', '&*', '+@all',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(opened.map((redis) => redis.quit().catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  const files = () => ({ ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key'), servername: 'localhost' });
  // What resolveRedis hands every process: the URL with the TLS files as parameters.
  const connection = (auth: string) => toRedisConnectionString({ url: `rediss://${auth}@127.0.0.1:${tlsPort}`, tls: files(), waitReplicas: 0, waitTimeoutMs: 1_000 });

  it('connects with rediss://, the CA, a client certificate and an ACL user, and answers', async () => {
    const redis = createRedis({ url: connection('nanobot:s3cret-pass'), role: 'producer', log, name: 'tls-test' });
    opened.push(redis);
    await whenReady(redis);
    expect(await redis.call('ACL', 'WHOAMI')).toBe('nanobot');
    await redis.set('tls-probe', 'ok');
    expect(await redis.get('tls-probe')).toBe('ok');
  });

  it('is refused with a wrong ACL password', async () => {
    const redis = createRedis({ url: connection('nanobot:wrong'), role: 'producer', log, name: 'tls-test-bad' });
    opened.push(redis);
    await expect(redis.ping()).rejects.toThrow();
    expect(redis.status).not.toBe('ready');
  });

  it('names the field when a TLS file cannot be read', () => {
    expect(() => redisTlsOptions({ ca: join(dir, 'missing.crt') })).toThrow(/redis\.tls\.ca/);
  });
});
